import { afterEach } from 'vitest';
import { isDeleted } from '#shared/sync/item';
import { SyncEngine } from '../src/lib/sync/engine';
import type { FakeServer } from './fake-server';
import { SyncError, type SyncTransport } from '../src/lib/sync/transport';
import { BatonDatabase } from '../src/lib/db/db';
import { writeEdit, writeEdits } from '../src/lib/db/edit-writes';
import type { TextBase } from '../src/lib/db/merge-store';
import { conflictsOfSpace, itemOf } from '../src/lib/db/queries';
import { itemStateOf } from '../src/lib/db/rows';

// Devices for the unit tests of the device-side text merge (S22, S23, S37, S39): each a fake
// IndexedDB and a sync engine against one FakeServer, holding one note.

export const SPACE = 'space-merge-test';
export const NOTE = 'noteAAAA0001';
export const START = 'one\ntwo\nthree';
let n = 0;
const open: BatonDatabase[] = [];

afterEach(async () => {
  for (const db of open.splice(0)) {
    db.close();
    await db.delete();
  }
});

/** A fresh database, deleted after the test. */
export function database(): BatonDatabase {
  const db = new BatonDatabase(`merge-test-${++n}`);
  open.push(db);
  return db;
}

/** A device of its own database, syncing with `server`. */
export function device(server: FakeServer) {
  const db = database();
  const engine = new SyncEngine({ db, spaceId: SPACE, transport: server.transport(), random: () => 0 });
  return { db, engine };
}

export type Device = ReturnType<typeof device>;

/** The note's text on `db`. */
export async function body(db: BatonDatabase): Promise<unknown> {
  return (await itemOf(db, SPACE, NOTE))?.fields['body']?.v;
}

/** The conflict copies `db` shows. */
export async function openCopies(db: BatonDatabase) {
  return (await conflictsOfSpace(db, SPACE)).map(itemStateOf).filter((copy) => !isDeleted(copy));
}

/** Both devices hold the note with {@link START}; answers the stamp each editor saw. */
export async function shared(server: FakeServer) {
  const a = device(server);
  const b = device(server);
  const mutation = await writeEdit(a.db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
  await a.engine.sync();
  await b.engine.sync();
  return { a, b, seen: { stamp: mutation.stamp, text: START } };
}

/** Writes `text` to the note as typed on `base`, with a clock `ahead` ms ahead; answers it as a base. */
export async function typeBody(side: Device, text: string, base: TextBase, ahead = 0): Promise<TextBase> {
  const [mutation] = await writeEdits(
    side.db,
    SPACE,
    [{ itemId: NOTE, kind: 'note', values: { body: text }, bases: { body: base } }],
    () => Date.now() + ahead,
  );
  return { stamp: mutation!.stamp, text };
}

const failingPull: SyncTransport['pull'] = () =>
  Promise.reject(new SyncError('NETWORK', 'offline', 0, 'retry'));

/** One sync of `side` whose pulls go through `pull`; by default they fail, so only pushes go up. */
export async function syncWith(server: FakeServer, side: Device, pull = failingPull): Promise<void> {
  const engine = new SyncEngine({
    db: side.db,
    spaceId: SPACE,
    transport: { ...server.transport(), pull },
    random: () => 0,
  });
  await engine.sync();
  engine.stop();
}
