import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { FakeServer } from '../../../testing/fake-server';
import {
  body,
  NOTE,
  openCopies,
  shared,
  SPACE,
  START,
  syncWith,
  typeBody,
} from '../../../testing/merge-devices';
import { itemOf } from './queries';
import { applyPullPage, syncStateOf } from './sync-store';

// Typing that someone else's version overwrote, or that lost to it, never leaves the screen:
// the device shows the server's merge of both, never their version without its own keys (S39).

describe('typing overwritten or lost at the server', () => {
  it("[S39] a version that overwrote this device's typing without seeing it never shows without that typing", async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // B types on line three and pushes; A, not having pulled it, types on line one later (its
    // clock is ahead), so A's write wins and the server keeps B's text in an `overwritten` copy.
    const typed = await typeBody(b, 'one\ntwo\nthree B', seen);
    await b.engine.sync();
    await typeBody(a, 'one A\ntwo\nthree', seen, 5_000);
    server.online = false; // A's own merge of the copy stays on A for now
    await a.engine.sync().catch(() => undefined);
    server.online = true;
    await a.engine.sync();
    expect(typed.stamp! < (await itemOf(a.db, SPACE, NOTE))!.fields['body']!.s).toBe(true);
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

  it('[S39] older keystrokes that lost and a newer one that was overwritten: the newest typing is what comes back', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // A's line one reaches the server first; B's first key (older clock) then loses to it, B's
    // second key (newer clock) overwrites it, and A's next key overwrites B's second.
    const a1 = await typeBody(a, 'one A\ntwo\nthree', seen, 5_000);
    await a.engine.sync();
    const b1 = await typeBody(b, 'one\ntwo\nthree B', seen, 0);
    await typeBody(b, 'one\ntwo\nthree BB', b1, 10_000);
    // B's keys go up, but B pulls nothing yet (its pull fails).
    await syncWith(server, b);
    await typeBody(a, 'one AA\ntwo\nthree', a1, 15_000);
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

  it("[S39] a version that overwrote an older keystroke, stored before the newer one's copy comes: the newest typing stays", async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // A's first key reaches the server; B, not having seen it, overwrites it (its clock is
    // ahead); A's next key then reaches the server and loses to B's.
    const a1 = await typeBody(a, 'one A\ntwo\nthree', seen, 0);
    await a.engine.sync();
    await typeBody(b, 'one\ntwo\nthree B', seen, 10_000);
    await syncWith(server, b);
    await typeBody(a, 'one AA\ntwo\nthree', a1, 5_000);
    await syncWith(server, a);
    // A stores B's version (and the copy of its first key) before the copy of its newer key comes.
    await syncWith(server, a, (spaceId, after) =>
      server
        .transport()
        .pull(spaceId, after, 2)
        .then((page) => ({ ...page, more: false })),
    );
    expect(await body(a.db)).toBe('one AA\ntwo\nthree B');
    for (const side of [a, b, a, b, a, b]) await side.engine.sync();
    expect(await body(a.db)).toBe('one AA\ntwo\nthree B');
    expect(await body(b.db)).toBe('one AA\ntwo\nthree B');
    expect(await openCopies(a.db)).toEqual([]);
  });

  it('[S39] a keystroke that lost at the server stays on screen when the winner comes before its copy', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    // A's line one reaches the server first (its clock is ahead); B's key, typed on the same
    // version, then loses to it. B hears A's version (a poke of A's push) before the page that
    // holds the copy of its own lost key.
    await typeBody(a, 'one A\ntwo\nthree', seen, 10_000);
    await a.engine.sync();
    const afterA = server.store.head();
    await typeBody(b, 'one\ntwo\nthree B', seen);
    await syncWith(server, b, (spaceId, after) =>
      server
        .transport()
        .pull(spaceId, after, 50)
        .then((page) => ({
          ...page,
          changes: page.changes.filter((change) => change.seq <= afterA),
          next: afterA,
          more: false,
        })),
    );
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    for (const side of [b, a, b, a]) await side.engine.sync();
    expect(await body(a.db)).toBe('one A\ntwo\nthree B');
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    expect(await openCopies(b.db)).toEqual([]);
  });

  it('[S39] an older version of the item coming first does not make the device forget its lost keystroke', async () => {
    const server = new FakeServer();
    const { a, b, seen } = await shared(server);
    await typeBody(a, 'one A\ntwo\nthree', seen, 10_000);
    await a.engine.sync();
    const afterB = (await syncStateOf(b.db, SPACE)).after;
    await typeBody(b, 'one\ntwo\nthree B', seen);
    await syncWith(server, b);
    const page = await server.transport().pull(SPACE, afterB, 50);
    const winner = page.changes.find((change) => change.item.id === NOTE)!;
    // First a page with an older version of the note (it loses to B's own text on B), then the winner.
    const older = {
      ...winner,
      item: { ...winner.item, fields: { ...winner.item.fields, body: { v: START, s: seen.stamp } } },
    };
    await applyPullPage(b.db, SPACE, { ...page, changes: [older], next: afterB + 1, more: true });
    // The push answer already brought the server's merge of both (S37): nothing older replaces it.
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
    await applyPullPage(b.db, SPACE, { ...page, changes: [winner], more: false });
    expect(await body(b.db)).toBe('one A\ntwo\nthree B');
  });
});
