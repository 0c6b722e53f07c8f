import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { isDeleted } from '#shared/sync/item';
import { SyncEngine } from '../sync/engine';
import { FakeServer } from '../sync/fake-transport';
import { SyncError } from '../sync/transport';
import { BatonDatabase } from './db';
import { conflictsOfSpace, itemOf } from './queries';
import { writeEdit, writeEdits } from './edit-writes';
import { applyPullPage, itemStateOf, syncStateOf } from './sync-store';

const SPACE = 'space-merge-test';
const NOTE = 'noteAAAA0001';
const START = 'one\ntwo\nthree';
let n = 0;
const open: BatonDatabase[] = [];

function device(server: FakeServer) {
  const db = new BatonDatabase(`merge-test-${++n}`);
  open.push(db);
  const engine = new SyncEngine({ db, spaceId: SPACE, transport: server.transport(), random: () => 0 });
  return { db, engine };
}

afterEach(async () => {
  for (const db of open.splice(0)) {
    db.close();
    await db.delete();
  }
});

async function body(db: BatonDatabase): Promise<unknown> {
  return (await itemOf(db, SPACE, NOTE))?.fields['body']?.v;
}

async function openCopies(db: BatonDatabase) {
  return (await conflictsOfSpace(db, SPACE)).map(itemStateOf).filter((copy) => !isDeleted(copy));
}

/** Both devices hold the note with {@link START}; answers the stamp each editor saw. */
async function shared(server: FakeServer) {
  const a = device(server);
  const b = device(server);
  const mutation = await writeEdit(a.db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
  await a.engine.sync();
  await b.engine.sync();
  return { a, b, seen: { stamp: mutation.stamp, text: START } };
}

describe('text merge on the device', () => {
  it('[S22] two devices edit different lines from one version: the server keeps a copy, the device that made it merges and dismisses it', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    await writeEdit(a.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one A\ntwo\nthree' },
      bases: { body: seen },
    });
    await writeEdit(b.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree B' },
      bases: { body: seen },
    });
    await a.engine.sync();
    await b.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    expect(await body(a.db)).toBe('one A\ntwo\nthree B');
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    expect(await openCopies(a.db)).toEqual([]);
    expect(await openCopies(b.db)).toEqual([]);
  });

  it('[S23] two devices edit one line: one version in the note, the other in a copy on both devices', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    await writeEdit(a.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\nTWO by A\nthree' },
      bases: { body: seen },
    });
    await writeEdit(b.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo by B\nthree' },
      bases: { body: seen },
    });
    for (const side of [a, b, b, a]) await side.engine.sync();
    const kept = await body(a.db);
    expect(await body(b.db)).toBe(kept);
    for (const side of [a, b]) {
      const copies = await openCopies(side.db);
      expect(copies.length).toBe(1);
      expect([kept, copies[0]?.fields['body']?.v].sort()).toEqual([
        'one\nTWO by A\nthree',
        'one\ntwo by B\nthree',
      ]);
    }
  });

  it("[S32] a version that overwrote this device's typing without seeing it never shows without that typing", async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // B types on line three and pushes; A, not having pulled it, types on line one later (its
    // clock is ahead), so A's write wins and the server keeps B's text in an `overwritten` copy.
    const typed = await writeEdit(b.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree B' },
      bases: { body: seen },
    });
    await b.engine.sync();
    await writeEdits(
      a.db,
      SPACE,
      [{ itemId: NOTE, kind: 'note', values: { body: 'one A\ntwo\nthree' }, bases: { body: seen } }],
      () => Date.now() + 5_000,
    );
    server.online = false; // A's own merge of the copy stays on A for now
    await a.engine.sync().catch(() => undefined);
    server.online = true;
    await a.engine.sync();
    expect(typed.stamp < (await itemOf(a.db, SPACE, NOTE))!.fields['body']!.s).toBe(true);
    // B pulls A's version and the copy together: B's line stays in B's note.
    await b.engine.sync();
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    // Both merged it; once everyone synced, one version and no copy remain.
    for (const side of [a, b, a, b, a, b]) await side.engine.sync();
    expect(await body(a.db)).toBe('one A\ntwo\nthree B');
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    expect(await openCopies(a.db)).toEqual([]);
    expect(await openCopies(b.db)).toEqual([]);
  });

  it('[S32] older keystrokes that lost and a newer one that was overwritten: the newest typing is what comes back', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    const edit = (
      side: typeof a,
      text: string,
      base: { stamp: string | null; text: string },
      ahead: number,
    ) =>
      writeEdits(
        side.db,
        SPACE,
        [{ itemId: NOTE, kind: 'note', values: { body: text }, bases: { body: base } }],
        () => Date.now() + ahead,
      ).then(([mutation]) => ({ stamp: mutation!.stamp, text }));
    // A's line one reaches the server first; B's first key (older clock) then loses to it, B's
    // second key (newer clock) overwrites it, and A's next key overwrites B's second.
    const a1 = await edit(a, 'one A\ntwo\nthree', seen, 5_000);
    await a.engine.sync();
    const b1 = await edit(b, 'one\ntwo\nthree B', seen, 0);
    await edit(b, 'one\ntwo\nthree BB', b1, 10_000);
    // B's keys go up, but B pulls nothing yet (its pull fails).
    const noPull = {
      ...server.transport(),
      pull: () => Promise.reject(new SyncError('NETWORK', 'offline', 0, 'retry')),
    };
    const pushOnly = new SyncEngine({ db: b.db, spaceId: SPACE, transport: noPull, random: () => 0 });
    await pushOnly.sync();
    pushOnly.stop();
    await edit(a, 'one AA\ntwo\nthree', a1, 15_000);
    server.online = false;
    await a.engine.sync().catch(() => undefined);
    server.online = true;
    await a.engine.sync();
    await b.engine.sync();
    expect(await body(b.db)).toBe('one AA\ntwo\nthree BB');
    for (const side of [a, b, a, b, a, b]) await side.engine.sync();
    expect(await body(a.db)).toBe('one AA\ntwo\nthree BB');
    expect(await body(b.db)).toBe('one AA\ntwo\nthree BB');
  });

  it("[S32] a version that overwrote an older keystroke, stored before the newer one's copy comes: the newest typing stays", async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    const edit = (
      side: typeof a,
      text: string,
      base: { stamp: string | null; text: string },
      ahead: number,
    ) =>
      writeEdits(
        side.db,
        SPACE,
        [{ itemId: NOTE, kind: 'note', values: { body: text }, bases: { body: base } }],
        () => Date.now() + ahead,
      ).then(([mutation]) => ({ stamp: mutation!.stamp, text }));
    const pushOnly = (side: typeof a) =>
      new SyncEngine({
        db: side.db,
        spaceId: SPACE,
        transport: {
          ...server.transport(),
          pull: () => Promise.reject(new SyncError('NETWORK', 'offline', 0, 'retry')),
        },
        random: () => 0,
      });
    // A's first key reaches the server; B, not having seen it, overwrites it (its clock is
    // ahead); A's next key then reaches the server and loses to B's.
    const a1 = await edit(a, 'one A\ntwo\nthree', seen, 0);
    await a.engine.sync();
    await edit(b, 'one\ntwo\nthree B', seen, 10_000);
    const bPush = pushOnly(b);
    await bPush.sync();
    bPush.stop();
    await edit(a, 'one AA\ntwo\nthree', a1, 5_000);
    const aPush = pushOnly(a);
    await aPush.sync();
    aPush.stop();
    // A stores B's version (and the copy of its first key) before the copy of its newer key comes.
    const firstPageOnly = new SyncEngine({
      db: a.db,
      spaceId: SPACE,
      transport: {
        ...server.transport(),
        pull: (spaceId, after) =>
          server
            .transport()
            .pull(spaceId, after, 2)
            .then((page) => ({ ...page, more: false })),
      },
      random: () => 0,
    });
    await firstPageOnly.sync();
    firstPageOnly.stop();
    expect(await body(a.db)).toBe('one AA\ntwo\nthree B');
    for (const side of [a, b, a, b, a, b]) await side.engine.sync();
    expect(await body(a.db)).toBe('one AA\ntwo\nthree B');
    expect(await body(b.db)).toBe('one AA\ntwo\nthree B');
    expect(await openCopies(a.db)).toEqual([]);
  });

  it('[S35] a keystroke that lost at the server stays on screen when the winner comes before its copy', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // A's line one reaches the server first (its clock is ahead); B's key, typed on the same
    // version, then loses to it. B hears A's version (a poke of A's push) before the page that
    // holds the copy of its own lost key.
    await writeEdits(
      a.db,
      SPACE,
      [{ itemId: NOTE, kind: 'note', values: { body: 'one A\ntwo\nthree' }, bases: { body: seen } }],
      () => Date.now() + 10_000,
    );
    await a.engine.sync();
    const afterA = server.store.head();
    await writeEdit(b.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree B' },
      bases: { body: seen },
    });
    const upToA = new SyncEngine({
      db: b.db,
      spaceId: SPACE,
      transport: {
        ...server.transport(),
        pull: (spaceId, after) =>
          server
            .transport()
            .pull(spaceId, after, 50)
            .then((page) => ({
              ...page,
              changes: page.changes.filter((change) => change.seq <= afterA),
              next: afterA,
              more: false,
            })),
      },
      random: () => 0,
    });
    await upToA.sync();
    upToA.stop();
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    for (const side of [b, a, b, a]) await side.engine.sync();
    expect(await body(a.db)).toBe('one A\ntwo\nthree B');
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    expect(await openCopies(b.db)).toEqual([]);
  });

  it('[S35] an older version of the item coming first does not make the device forget its lost keystroke', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    await writeEdits(
      a.db,
      SPACE,
      [{ itemId: NOTE, kind: 'note', values: { body: 'one A\ntwo\nthree' }, bases: { body: seen } }],
      () => Date.now() + 10_000,
    );
    await a.engine.sync();
    const afterB = (await syncStateOf(b.db, SPACE)).after;
    await writeEdit(b.db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree B' },
      bases: { body: seen },
    });
    const pushOnly = new SyncEngine({
      db: b.db,
      spaceId: SPACE,
      transport: {
        ...server.transport(),
        pull: () => Promise.reject(new SyncError('NETWORK', 'offline', 0, 'retry')),
      },
      random: () => 0,
    });
    await pushOnly.sync();
    pushOnly.stop();
    const page = await server.transport().pull(SPACE, afterB, 50);
    const winner = page.changes.find((change) => change.item.id === NOTE)!;
    // First a page with an older version of the note (it loses to B's own text on B), then the winner.
    const older = {
      ...winner,
      item: { ...winner.item, fields: { ...winner.item.fields, body: { v: START, s: seen.stamp } } },
    };
    await applyPullPage(b.db, SPACE, { ...page, changes: [older], next: afterB + 1, more: true });
    expect(await body(b.db)).toBe('one\ntwo\nthree B');
    await applyPullPage(b.db, SPACE, { ...page, changes: [winner], more: false });
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
  });

  it('[S22] a write whose base another tab moved on merges with it instead of claiming it', async () => {
    const db = new BatonDatabase(`merge-test-${++n}`);
    open.push(db);
    const mutation = await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
    const seen = { stamp: mutation.stamp, text: START };
    await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree tab 2' },
      bases: { body: seen },
    });
    const late = await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one tab 1\ntwo\nthree' },
      bases: { body: seen },
    });
    expect(late.set['body']?.v).toBe('one tab 1\ntwo\nthree tab 2');
    expect(await body(db)).toBe('one tab 1\ntwo\nthree tab 2');
    expect(await openCopies(db)).toEqual([]);
  });

  it('[S23] two tabs overlapping one line: the later write stays, the other is kept as a copy made on the device', async () => {
    const db = new BatonDatabase(`merge-test-${++n}`);
    open.push(db);
    const mutation = await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
    const seen = { stamp: mutation.stamp, text: START };
    await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo (tab 2)\nthree' },
      bases: { body: seen },
    });
    await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo (tab 1)\nthree' },
      bases: { body: seen },
    });
    expect(await body(db)).toBe('one\ntwo (tab 1)\nthree');
    const copies = await openCopies(db);
    expect(copies.map((copy) => [copy.conflict?.of, copy.fields['body']?.v])).toEqual([
      [NOTE, 'one\ntwo (tab 2)\nthree'],
    ]);
  });
});

describe('record fields typed by two people at once', () => {
  const RECORD = 'recordAAAA01';
  const HOST = 'f:Host';
  const text = (v: string) => ({ t: 'text', v });

  async function host(db: BatonDatabase): Promise<unknown> {
    return (await itemOf(db, SPACE, RECORD))?.fields[HOST]?.v;
  }

  // How the keystrokes and syncs of the two interleave: each write is a key, each sync a push and pull.
  const schedules = {
    'each syncs after each key': ['a', 'A', 'b', 'B'],
    'both type, then b syncs first': ['a', 'b', 'B', 'A'],
    'b types ahead of what it pulled': ['b', 'a', 'A', 'b', 'B'],
  } as const;

  for (const [name, schedule] of Object.entries(schedules)) {
    it(`[S23] key by key into one field (${name}): one value kept, one copy with the whole other value`, async () => {
      const server = new FakeServer();
      const a = device(server);
      const b = device(server);
      const start = await writeEdit(a.db, SPACE, {
        itemId: RECORD,
        kind: 'record',
        values: { [HOST]: text('') },
      });
      await a.engine.sync();
      await b.engine.sync();
      // Each editor's base is the version it saw when its person started, then its own last write.
      const people = {
        a: { side: a, words: 'Maria Silva', typed: 0, seen: start.stamp },
        b: { side: b, words: 'Joao Costa', typed: 0, seen: start.stamp },
      };
      const done = () => Object.values(people).every((p) => p.typed === p.words.length);
      while (!done()) {
        for (const step of schedule) {
          const person = people[step.toLowerCase() as 'a' | 'b'];
          if (step === step.toUpperCase()) {
            await person.side.engine.sync();
            continue;
          }
          if (person.typed === person.words.length) continue;
          person.typed += 1;
          const edit = await writeEdit(person.side.db, SPACE, {
            itemId: RECORD,
            kind: 'record',
            values: { [HOST]: text(person.words.slice(0, person.typed)) },
            bases: { [HOST]: { stamp: person.seen, text: '' } },
          });
          person.seen = edit.stamp;
        }
      }
      // Each dismisses the copies of its own edits; the last syncs bring the dismissals across.
      for (const side of [a, b, a, b, a]) await side.engine.sync();
      const kept = (await host(a.db)) as { v: string };
      expect(await host(b.db)).toEqual(kept);
      expect(['Maria Silva', 'Joao Costa']).toContain(kept.v);
      const other = kept.v === 'Maria Silva' ? 'Joao Costa' : 'Maria Silva';
      for (const side of [a, b]) {
        const copies = await openCopies(side.db);
        expect(copies.map((copy) => (copy.fields[HOST]?.v as { v: string }).v)).toEqual([other]);
      }
    });
  }
});
