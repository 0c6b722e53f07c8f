import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { FakeServer } from '../sync/fake-transport';
import type { BatonDatabase } from './db';
import { writeEdit } from './edit-writes';
import { body, database, device, NOTE, openCopies, shared, SPACE, START } from './merge-test-support';
import { itemOf } from './queries';

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

  it('[S23] [S37] two devices change one word: one version in the note, the other in a copy on both devices', async () => {
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
      values: { body: 'one\nTwo\nthree' },
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
        'one\nTwo\nthree',
      ]);
    }
  });

  it('[S22] a write whose base another tab moved on merges with it instead of claiming it', async () => {
    const db = database();
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
    const db = database();
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
