import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatStamp } from '#shared/sync/hlc';
import type { ItemState } from '#shared/sync/item';
import { BatonDatabase } from './db';
import { countListed, foldersHoldingItems, pageListed, rowsInFolderTree, scanListed } from './place-index';
import { CONFLICT_PLACE, livePlace, TRASH_PLACE } from './item-place';
import { toRow } from './row-writes';

const SPACE = 'space-big';
const stamp = (wall: number) => formatStamp({ wall, counter: 0, node: 'nodeA' });

/** Item `i`: changed at wall time 1000 + i (several share one time), in `folder`. */
function item(i: number, folder?: string, extra: Partial<ItemState['fields']> = {}): ItemState {
  const s = stamp(1000 + Math.floor(i / 3));
  const fields: ItemState['fields'] = { title: { v: `Item ${i}`, s }, ...extra };
  if (folder !== undefined) fields.folder = { v: folder, s };
  return { id: `item${String(i).padStart(5, '0')}`, kind: i % 2 ? 'record' : 'note', fields };
}

describe('reading a big space a page at a time (S27)', () => {
  let db: BatonDatabase;
  beforeEach(() => {
    db = new BatonDatabase(`lists-${Math.random()}`);
  });
  afterEach(async () => {
    db.close();
    await db.delete();
  });

  it('[S27] every written row gets its place: a folder, the trash or the conflict copies', async () => {
    const deleted = item(2, 'Old', { $deleted: { v: true, s: stamp(5000) } });
    const conflict = {
      of: 'item00001',
      reason: 'lost',
      mutationId: 'mutation01',
      stamp: stamp(6000),
    } as const;
    const copy: ItemState = { ...item(3), conflict };
    await db.items.bulkPut([toRow(SPACE, item(1, 'Plans/2027')), toRow(SPACE, deleted), toRow(SPACE, copy)]);
    const places = (await db.items.toArray()).map((row) => [row.id, row.place]);
    expect(places).toEqual([
      ['item00001', livePlace('Plans/2027')],
      ['item00002', TRASH_PLACE],
      ['item00003', CONFLICT_PLACE],
    ]);
  });

  it('[S27] pages come newest first from either end, counted by the index; a kind narrows', async () => {
    await db.items.bulkPut(Array.from({ length: 300 }, (_, i) => toRow(SPACE, item(i))));
    const list = { spaceId: SPACE, place: livePlace(''), kind: 'all' } as const;
    const all = (await db.items.toArray()).sort(
      (a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1),
    );
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
    const first = await pageListed(db, list, 0, 25);
    expect(first.total).toBe(300);
    expect(ids(first.rows)).toEqual(ids(all.slice(0, 25)));
    // Near the end the page is read from the oldest row up, and still comes newest first.
    expect(ids((await pageListed(db, list, 280, 40)).rows)).toEqual(ids(all.slice(280)));
    expect(ids((await pageListed(db, list, 140, 30)).rows)).toEqual(ids(all.slice(140, 170)));
    expect(await countListed(db, { ...list, kind: 'record' })).toBe(150);
    const records = await pageListed(db, { ...list, kind: 'record' }, 0, 500);
    expect(records.rows.every((row) => row.kind === 'record')).toBe(true);
  });

  it('[S27] a streaming scan visits every row once, in list order, across rows changed at the same time', async () => {
    // Rows 0–99 change three to a millisecond; rows 100–149 all in one (a paste, an import).
    const same = (i: number): ItemState => ({
      ...item(i),
      fields: { title: { v: `Item ${i}`, s: stamp(9000) } },
    });
    await db.items.bulkPut([
      ...Array.from({ length: 100 }, (_, i) => toRow(SPACE, item(i))),
      ...Array.from({ length: 50 }, (_, i) => toRow(SPACE, same(100 + i))),
    ]);
    const list = { spaceId: SPACE, place: livePlace(''), kind: 'all' } as const;
    const seen: string[] = [];
    let from = null;
    let chunks = 0;
    do {
      const chunk = await scanListed(db, list, from, 7);
      seen.push(...chunk.rows.map((row) => row.id));
      from = chunk.next;
      chunks++;
    } while (from);
    expect(chunks).toBe(22);
    expect(seen).toEqual((await pageListed(db, list, 0, 150)).rows.map((row) => row.id));
    expect(new Set(seen).size).toBe(150);
  });

  it('[S27] folders are found from the index, with `Plans 2` beside `Plans` and deleted items making none', async () => {
    const rows = [
      item(1, 'Plans'),
      item(2, 'Plans/2027'),
      item(3, 'Plans/2027'),
      item(4, 'Plans 2'),
      item(5),
      item(6, 'Old', { $deleted: { v: true, s: stamp(5000) } }),
    ];
    await db.items.bulkPut(rows.map((row) => toRow(SPACE, row)));
    expect((await foldersHoldingItems(db, SPACE, '')).sort()).toEqual(['', 'Plans', 'Plans 2', 'Plans/2027']);
    expect((await foldersHoldingItems(db, SPACE, 'Plans')).sort()).toEqual(['Plans', 'Plans/2027']);
    expect((await rowsInFolderTree(db, SPACE, 'Plans')).map((row) => row.id).sort()).toEqual([
      'item00001',
      'item00002',
      'item00003',
    ]);
  });

  it('[S27] rows stored before version 7 get their place when the database upgrades', async () => {
    db.close();
    const name = `upgrade-${Math.random()}`;
    const old = new Dexie(name);
    old.version(6).stores({ items: '[spaceId+id], [spaceId+updatedAt], [spaceId+conflictOf]' });
    await old.table('items').bulkPut([toRow(SPACE, item(1, 'Plans')), toRow(SPACE, item(2))]);
    old.close();
    db = new BatonDatabase(name);
    const list = { spaceId: SPACE, place: livePlace('Plans'), kind: 'all' } as const;
    expect((await pageListed(db, list, 0, 10)).rows.map((row) => row.id)).toEqual(['item00001']);
  });
});
