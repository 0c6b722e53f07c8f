import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { BatonDatabase } from '../db/db';
import { conflictsOfSpace, itemOf, itemsOfSpace, pendingCount, rejectedEdits } from '../db/queries';
import { createItem, deleteItem, editItem, restoreConflictCopy } from './edits';
import { SyncEngine } from './engine';
import { FakeServer } from '../../../testing/fake-server';
import type { CarriedPage } from './live';

const SPACE = 'space-under-test';
let n = 0;
const open: BatonDatabase[] = [];

function device(
  server: FakeServer,
  options: { maxBatchCount?: number; maxBatchBytes?: number; pullLimit?: number } = {},
) {
  const db = new BatonDatabase(`engine-test-${++n}`);
  open.push(db);
  const engine = new SyncEngine({
    db,
    spaceId: SPACE,
    transport: server.transport(),
    random: () => 0,
    ...options,
  });
  return { db, engine };
}

/** A device that counts its pulls and listens to the server's pokes on a socket of its own. */
function listeningDevice(server: FakeServer) {
  const db = new BatonDatabase(`engine-test-${++n}`);
  open.push(db);
  const counts = { pulls: 0 };
  const inner = server.transport();
  const transport = {
    ...inner,
    pull: (...args: Parameters<typeof inner.pull>) => (counts.pulls++, inner.pull(...args)),
  };
  const engine = new SyncEngine({ db, spaceId: SPACE, transport, random: () => 0 });
  const listen = () =>
    inner.connect(SPACE, {
      onOpen: () => engine.setLive(true),
      onClose: () => undefined,
      onMessage: (message) => {
        if (message.type !== 'poke') return;
        const { seq, from, page } = message;
        engine.poked(seq, from !== undefined && page ? { from, page } : undefined);
      },
    });
  return { db, engine, counts, listen };
}

function plain(items: { id: string; fields: unknown; kind: string; conflict?: unknown }[]) {
  return items
    .map(({ id, fields, kind, conflict }) => ({ id, fields, kind, conflict }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

afterEach(async () => {
  for (const db of open.splice(0)) {
    db.close();
    await db.delete();
  }
});

describe('web sync engine over IndexedDB', () => {
  it('[S1] an edit writes the item and its outbox entry together, before any network', async () => {
    const server = new FakeServer();
    server.online = false;
    const { db } = device(server);
    const id = await createItem(SPACE, 'note', { title: 'offline' }, db);
    expect((await itemOf(db, SPACE, id))?.fields.title?.v).toBe('offline');
    expect(await pendingCount(db, SPACE)).toBe(1);
  });

  it('[S2] the outbox goes up in batches bounded by count and by bytes', async () => {
    const server = new FakeServer();
    const { db, engine } = device(server, { maxBatchCount: 4, maxBatchBytes: 5_000 });
    for (let i = 0; i < 10; i++) await createItem(SPACE, 'note', { title: `n${i}` }, db);
    await createItem(SPACE, 'note', { body: 'x'.repeat(2_500) }, db);
    await createItem(SPACE, 'note', { body: 'y'.repeat(2_500) }, db);
    await engine.sync();
    expect(server.pushes.map((p) => p.mutations.length)).toEqual([4, 4, 3, 1]);
    expect(await pendingCount(db, SPACE)).toBe(0);
  });

  it('[S3] a push whose reply was lost is retried and applied once', async () => {
    const server = new FakeServer();
    const { db, engine } = device(server);
    await createItem(SPACE, 'note', { title: 'once' }, db);
    server.loseReplies = 1;
    await engine.sync();
    expect(await pendingCount(db, SPACE)).toBe(1);
    expect(engine.status.phase).toBe('offline');
    await engine.sync();
    expect(await pendingCount(db, SPACE)).toBe(0);
    expect(server.store.head()).toBe(1);
  });

  it('[S4] [S37] two devices editing offline converge, and the overlapping edit is a conflict copy on both', async () => {
    const server = new FakeServer();
    const a = device(server);
    const b = device(server, { pullLimit: 2 });
    const id = await createItem(SPACE, 'note', { title: 'v0', body: 'shared' }, a.db);
    await a.engine.sync();
    await b.engine.sync();
    server.online = false;
    await editItem(SPACE, id, { title: 'from A' }, {}, a.db);
    await new Promise((r) => setTimeout(r, 5));
    await editItem(SPACE, id, { title: 'from B' }, {}, b.db);
    await deleteItem(SPACE, await createItem(SPACE, 'record', { name: 'tmp' }, b.db), {}, b.db);
    server.online = true;
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    const [itemsA, itemsB] = [await itemsOfSpace(a.db, SPACE), await itemsOfSpace(b.db, SPACE)];
    expect(plain(itemsA)).toEqual(plain(itemsB));
    expect(plain(itemsA)).toEqual(plain([...server.store.allItems().values()]));
    // Both replaced the same characters (S37): the first to reach the server stays, the other is
    // kept whole in a copy.
    expect((await itemOf(a.db, SPACE, id))?.fields.title?.v).toBe('from A');
    const copies = await conflictsOfSpace(a.db, SPACE, id);
    expect(copies.map((c) => [c.conflict?.reason, c.fields.title?.v])).toEqual([['lost', 'from B']]);
    await restoreConflictCopy(SPACE, copies[0]!.id, {}, a.db);
    await a.engine.sync();
    await b.engine.sync();
    expect((await itemOf(b.db, SPACE, id))?.fields.title?.v).toBe('from B');
  });

  it('[S21] a small push reaches a live device inside the poke, without a pull; after a gap it pulls', async () => {
    const server = new FakeServer();
    const a = device(server);
    const { db, engine: b, counts, listen } = listeningDevice(server);
    await b.sync();
    let socket = listen();
    const arrived = async (itemId: string) => {
      for (let i = 0; i < 200 && !(await itemOf(db, SPACE, itemId)); i++)
        await new Promise((r) => setTimeout(r, 5));
      return (await itemOf(db, SPACE, itemId))?.fields.title?.v;
    };
    const pullsAfterStart = counts.pulls;
    const first = await createItem(SPACE, 'note', { title: 'carried' }, a.db);
    await a.engine.sync();
    expect(await arrived(first)).toBe('carried');
    expect(counts.pulls).toBe(pullsAfterStart);

    // B misses a poke (its socket was away): the next carried page does not follow what B holds.
    socket.close();
    const missed = await createItem(SPACE, 'note', { title: 'missed' }, a.db);
    await a.engine.sync();
    socket = listen();
    const next = await createItem(SPACE, 'note', { title: 'after the gap' }, a.db);
    await a.engine.sync();
    expect(await arrived(next)).toBe('after the gap');
    expect(await arrived(missed)).toBe('missed');
    expect(counts.pulls).toBe(pullsAfterStart + 1);
    socket.close();
    b.stop();
  });

  it('[S28] while pokes are heard, a push is not followed by a pull: what it stored (a conflict copy too) arrives in the poke', async () => {
    const server = new FakeServer();
    const { db, engine: a, counts, listen } = listeningDevice(server);
    const socket = listen();
    const b = device(server);
    await a.sync();
    const id = await createItem(SPACE, 'note', { title: 'start' }, db);
    await a.push();
    await b.engine.sync();
    const pullsBefore = counts.pulls;

    // Both change the title from the same version; B's lands first, so A's push meets it.
    await editItem(SPACE, id, { title: 'by B' }, {}, b.db);
    await editItem(SPACE, id, { title: 'by A' }, {}, db);
    await b.engine.sync();
    await a.push();
    await a.push();
    expect(counts.pulls).toBe(pullsBefore);
    expect(await pendingCount(db, SPACE)).toBe(0);
    const copies = await conflictsOfSpace(db, SPACE);
    expect(copies.length).toBe(1);
    const titles = [(await itemOf(db, SPACE, id))?.fields.title?.v, copies[0]?.fields.title?.v].sort();
    expect(titles).toEqual(['by A', 'by B']);

    // Without the socket, a push pulls as before.
    socket.close();
    a.setLive(false);
    await editItem(SPACE, id, { title: 'offline socket' }, {}, db);
    await a.push();
    expect(counts.pulls).toBe(pullsBefore + 1);
    a.stop();
  });

  it('[S21] a poked page that can no longer be stored as it is (the device moved on meanwhile) is pulled instead', async () => {
    const server = new FakeServer();
    const a = device(server);
    const { db, engine: b } = listeningDevice(server);
    // A second engine on the same database (a tab that led for a while) moves its position on.
    const other = new SyncEngine({ db, spaceId: SPACE, transport: server.transport(), random: () => 0 });
    await b.sync();
    const pokes: { seq: number; from: number; page: NonNullable<CarriedPage>['page'] }[] = [];
    const socket = server.transport().connect(SPACE, {
      onOpen: () => undefined,
      onClose: () => undefined,
      onMessage: (message) => {
        if (message.type === 'poke' && message.from !== undefined && message.page)
          pokes.push({ seq: message.seq, from: message.from, page: message.page });
      },
    });
    await createItem(SPACE, 'note', { title: 'first' }, a.db);
    await a.engine.sync();
    await other.sync();
    const second = await createItem(SPACE, 'note', { title: 'second' }, a.db);
    await a.engine.sync();
    // B hears the first poke late: it follows B's own position but not the database's.
    const [late] = pokes;
    b.poked(late!.seq, { from: late!.from, page: late!.page });
    for (let i = 0; i < 200 && !(await itemOf(db, SPACE, second)); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect((await itemOf(db, SPACE, second))?.fields.title?.v).toBe('second');
    socket.close();
    b.stop();
    other.stop();
  });

  it('[S8] a fenced edit disappears from the item, lives on as a conflict copy, and is not left pending', async () => {
    const server = new FakeServer();
    const { db, engine } = device(server);
    const id = await createItem(SPACE, 'note', { title: 'original' }, db);
    await engine.sync();
    server.fence = () => ({ code: 'FENCED', message: 'checked out by someone else' });
    await editItem(SPACE, id, { title: 'stale holder' }, {}, db);
    await engine.sync();
    expect((await itemOf(db, SPACE, id))?.fields.title?.v).toBe('original');
    expect((await conflictsOfSpace(db, SPACE, id)).map((c) => c.fields.title?.v)).toEqual(['stale holder']);
    expect(await pendingCount(db, SPACE)).toBe(0);
    expect(await rejectedEdits(db, SPACE)).toEqual([]);
  });

  it('[S9] a batch refused as a whole is retried edit by edit; only the refused edits stay, as rejected', async () => {
    const server = new FakeServer();
    const { db, engine } = device(server);
    await createItem(SPACE, 'note', { title: 'good 1' }, db);
    const far = Date.now() + 3_600_000;
    const { writeEdit } = await import('../db/edit-writes');
    await writeEdit(
      db,
      SPACE,
      { itemId: 'future-item', kind: 'note', values: { title: 'from the future' } },
      () => far,
    );
    // The clock jumped an hour ahead for one edit; the HLC never goes back, so the next edit on
    // this device is stamped ahead too, and both are refused. The good first edit goes through.
    const later = await createItem(SPACE, 'note', { title: 'after the jump' }, db);
    await engine.sync();
    expect(await pendingCount(db, SPACE)).toBe(0);
    const rejected = await rejectedEdits(db, SPACE);
    expect(rejected.map((e) => [e.itemId, e.code])).toEqual([
      ['future-item', 'CLOCK_SKEW'],
      [later, 'CLOCK_SKEW'],
    ]);
    expect(server.store.head()).toBe(1);
  });

  it('[S10] a first pull writes pages without reading them back, yet never overwrites an edit made during the run', async () => {
    const { applyPullPage, beginPullRun } = await import('../db/sync-store');
    const { writeEdit } = await import('../db/edit-writes');
    const { formatStamp } = await import('#shared/sync/hlc');
    const server = new FakeServer();
    const { db } = device(server);
    const s = (wall: number) => formatStamp({ wall, counter: 0, node: 'serverside' });
    const item = (id: string, wall: number) => ({
      id,
      kind: 'note' as const,
      fields: { title: { v: `${id}@${wall}`, s: s(wall) } },
    });
    const page = (next: number, more: boolean, items: ReturnType<typeof item>[]) => ({
      changes: items.map((it, i) => ({ seq: next - items.length + i + 1, item: it })),
      next,
      head: 9,
      more,
      serverTime: Date.now(),
    });
    const run = await beginPullRun(db, SPACE);
    expect(run.blind).toBe(true);
    await applyPullPage(db, SPACE, page(2, true, [item('itemAAAA', 1), item('itemBBBB', 1)]), run);
    // The user edits A's body while the pull goes on: the run stops writing blind.
    await writeEdit(db, SPACE, { itemId: 'itemAAAA', kind: 'note', values: { body: 'mine' } });
    await applyPullPage(db, SPACE, page(4, false, [item('itemAAAA', 2), item('itemCCCC', 2)]), run);
    expect(run.blind).toBe(false);
    expect((await itemOf(db, SPACE, 'itemAAAA'))?.fields).toMatchObject({
      title: { v: 'itemAAAA@2' },
      body: { v: 'mine' },
    });
    expect((await itemsOfSpace(db, SPACE)).length).toBe(3);
  });
});
