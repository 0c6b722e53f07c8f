import Dexie from 'dexie';
import type { ItemKind } from '#shared/sync/item';
import type { BatonDatabase, LocalItem } from './db';
import { LIVE_PLACES, livePlace } from './item-place';

// The space view's reads (S27): one place (a folder, the trash) and maybe one kind, newest first,
// read a page at a time and counted through the `[spaceId+place(+kind)+updatedAt+id]` indexes, so
// a space of 100,000 items opens by reading the rows in view, never the whole space.

/** One list of the space view. `since` leaves out rows last changed before it (the trash). */
export interface ListRange {
  spaceId: string;
  place: string;
  kind: ItemKind | 'all';
  since?: number;
}

/** Where a streaming scan stands: it goes on with the rows listed after this one. */
export interface ScanCursor {
  updatedAt: number;
  id: string;
}

// Each index ends in the item id, so rows changed in the same millisecond (a paste, an import)
// still have one order, and a scan goes on from the last row it read without counting ties.
function collection(db: BatonDatabase, range: ListRange, before?: ScanCursor) {
  const from = range.since ?? Dexie.minKey;
  const to = before ? [before.updatedAt, before.id] : [Dexie.maxKey];
  return range.kind === 'all'
    ? db.items
        .where('[spaceId+place+updatedAt+id]')
        .between([range.spaceId, range.place, from], [range.spaceId, range.place, ...to], true, false)
    : db.items
        .where('[spaceId+place+kind+updatedAt+id]')
        .between(
          [range.spaceId, range.place, range.kind, from],
          [range.spaceId, range.place, range.kind, ...to],
          true,
          false,
        );
}

/** How many rows the list has (from the index alone). */
export function countListed(db: BatonDatabase, range: ListRange): Promise<number> {
  return collection(db, range).count();
}

/**
 * Rows `offset` to `offset + limit` of the list, newest first, with the list's size, read in one
 * transaction. A page nearer the oldest end is read from that end, so reaching the last row of
 * a long list costs what the first one does.
 */
export function pageListed(
  db: BatonDatabase,
  range: ListRange,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: LocalItem[] }> {
  return db.transaction('r', db.items, async () => {
    const total = await countListed(db, range);
    if (offset >= total || limit <= 0) return { total, rows: [] };
    if (offset < total / 2) {
      return { total, rows: await collection(db, range).reverse().offset(offset).limit(limit).toArray() };
    }
    const end = total - offset;
    const start = Math.max(0, end - limit);
    const oldestFirst = await collection(db, range)
      .offset(start)
      .limit(end - start)
      .toArray();
    return { total, rows: oldestFirst.reverse() };
  });
}

/** The next `limit` rows of a streaming scan, newest first, and where the one after starts. */
export async function scanListed(
  db: BatonDatabase,
  range: ListRange,
  from: ScanCursor | null,
  limit: number,
): Promise<{ rows: LocalItem[]; next: ScanCursor | null }> {
  const rows = await collection(db, range, from ?? undefined)
    .reverse()
    .limit(limit)
    .toArray();
  const last = rows.at(-1);
  return { rows, next: last && rows.length === limit ? { updatedAt: last.updatedAt, id: last.id } : null };
}

/** The newest row's key and the size of the list: changes whenever the list does. */
export async function listVersion(db: BatonDatabase, range: ListRange): Promise<string> {
  return db.transaction('r', db.items, async () => {
    const [count, newest] = await Promise.all([
      countListed(db, range),
      collection(db, range).reverse().limit(1).keys(),
    ]);
    return JSON.stringify([count, newest]);
  });
}

/** Rows by item id, in the order asked; an id no longer stored gives undefined. */
export function rowsByIds(db: BatonDatabase, spaceId: string, ids: readonly string[]) {
  return db.items.bulkGet(ids.map((id) => [spaceId, id] as [string, string]));
}

/**
 * The folders that hold live items, at or below `folder`: one index step per folder (each
 * step jumps past every row of the folder it found), not one per item.
 */
export function foldersHoldingItems(db: BatonDatabase, spaceId: string, folder: string): Promise<string[]> {
  const top = folder === '' ? LIVE_PLACES.from : livePlace(folder);
  const end = folder === '' ? LIVE_PLACES.to : `${livePlace(folder)}/\uffff`;
  return db.transaction('r', db.items, async () => {
    const found: string[] = [];
    let lower: unknown[] = [spaceId, top, Dexie.minKey];
    for (;;) {
      const [key] = await db.items
        .where('[spaceId+place+updatedAt+id]')
        .between(lower, [spaceId, end, Dexie.maxKey])
        .limit(1)
        .keys();
      const place: unknown = Array.isArray(key) ? (key as unknown[])[1] : undefined;
      if (typeof place !== 'string') return found;
      const path = place.slice(LIVE_PLACES.from.length);
      // `Plans 2` sorts between `Plans` and `Plans/…`: in the range, but not below `Plans`.
      if (folder === '' || path === folder || path.startsWith(`${folder}/`)) found.push(path);
      lower = [spaceId, place, Dexie.maxKey];
    }
  });
}

/** The live items in `folder` and every folder below it (what a rename of the folder moves). */
export async function rowsInFolderTree(
  db: BatonDatabase,
  spaceId: string,
  folder: string,
): Promise<LocalItem[]> {
  const rows = await db.items
    .where('[spaceId+place+updatedAt+id]')
    .between(
      [spaceId, livePlace(folder), Dexie.minKey],
      [spaceId, `${livePlace(folder)}/\uffff`, Dexie.maxKey],
    )
    .toArray();
  return rows.filter(
    (row) => row.place === livePlace(folder) || row.place?.startsWith(`${livePlace(folder)}/`),
  );
}

/** The newest `limit` live items of the space, in any folder (a short scan by time). */
export function newestLive(db: BatonDatabase, spaceId: string, limit: number): Promise<LocalItem[]> {
  return db.items
    .where('[spaceId+updatedAt]')
    .between([spaceId, Dexie.minKey], [spaceId, Dexie.maxKey])
    .reverse()
    .filter((row) => row.place?.startsWith(LIVE_PLACES.from) ?? false)
    .limit(limit)
    .toArray();
}

/** How many live items the space has, in every folder (from the index alone). */
export function countLive(db: BatonDatabase, spaceId: string): Promise<number> {
  return db.items
    .where('[spaceId+place+updatedAt+id]')
    .between([spaceId, LIVE_PLACES.from], [spaceId, LIVE_PLACES.to])
    .count();
}
