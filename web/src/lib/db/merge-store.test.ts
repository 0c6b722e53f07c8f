import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { FakeServer } from '../../../testing/fake-server';
import type { BatonDatabase } from './db';
import { writeEdit } from './edit-writes';
import {
  body,
  database,
  device,
  NOTE,
  openCopies,
  shared,
  SPACE,
  START,
} from '../../../testing/merge-devices';
import { itemOf } from './queries';

describe('text merge on the device', () => {
  it('[S37] two devices edit different lines from one version: the server merges them, no copy', async () => {
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

  it('[S22][S39] a write whose base another tab moved on merges with it instead of claiming it', async () => {
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

  it('[S37] two tabs adding to the end of one line: both additions stay, no copy', async () => {
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
    // The later write's addition first: a tab typing on keeps its words where it typed them.
    expect(await body(db)).toBe('one\ntwo (tab 1) (tab 2)\nthree');
    expect(await openCopies(db)).toEqual([]);
  });

  it('[S23] [S37] two tabs changing one word: the later write stays, the other is kept as a copy made on the device', async () => {
    const db = database();
    const mutation = await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
    const seen = { stamp: mutation.stamp, text: START };
    await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\nTWO\nthree' },
      bases: { body: seen },
    });
    await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\nTwo\nthree' },
      bases: { body: seen },
    });
    expect(await body(db)).toBe('one\nTwo\nthree');
    const copies = await openCopies(db);
    expect(copies.map((copy) => [copy.conflict?.of, copy.fields['body']?.v])).toEqual([
      [NOTE, 'one\nTWO\nthree'],
    ]);
  });
});

describe('record fields typed by two people at once', () => {
  const RECORD = 'recordAAAA01';
  const HOST = 'r:Host';
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
    it(`[S37] key by key into one field (${name}): both values whole in the field, no copy`, async () => {
      const server = new FakeServer();
      const a = device(server);
      const b = device(server);
      await writeEdit(a.db, SPACE, {
        itemId: RECORD,
        kind: 'record',
        values: { [HOST]: text('') },
      });
      await a.engine.sync();
      await b.engine.sync();
      const people = {
        a: { side: a, words: 'Maria Silva', typed: 0 },
        b: { side: b, words: 'Joao Costa', typed: 0 },
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
          // The editor shows what the device stores and types the next key after the person's
          // own words: those must still be whole (a merge that interleaved them fails here).
          const stored = await itemOf(person.side.db, SPACE, RECORD);
          const entry = stored?.fields[HOST];
          const now = (entry?.v as { v: string } | undefined)?.v ?? '';
          const own = person.words.slice(0, person.typed);
          expect(now).toContain(own);
          person.typed += 1;
          await writeEdit(person.side.db, SPACE, {
            itemId: RECORD,
            kind: 'record',
            values: { [HOST]: text(now.replace(own, person.words.slice(0, person.typed))) },
            bases: { [HOST]: { stamp: entry?.s ?? null, text: now } },
          });
        }
      }
      for (const side of [a, b, a, b]) await side.engine.sync();
      // The server merged the two (S37): both names whole, one after the other, and no copy.
      const kept = (await host(a.db)) as { v: string };
      expect(await host(b.db)).toEqual(kept);
      expect(kept.v.length).toBe('Maria Silva'.length + 'Joao Costa'.length);
      expect(kept.v).toContain('Maria Silva');
      expect(kept.v).toContain('Joao Costa');
      for (const side of [a, b]) await expect(openCopies(side.db)).resolves.toEqual([]);
    });
  }
});
