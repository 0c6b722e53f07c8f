import { db, liveQuery } from '../db/db';
import { countLive, foldersHoldingItems, newestLive, rowsByIds, rowsInFolderTree } from '../db/place-index';
import { toView, type ItemView } from '../items/item-view';
import { itemStateOf } from '../db/rows';

// What the space view's folder bar and folder picker read: the folders themselves come from the
// index, one step per folder, never from loading every item (S27).
export { livePlace, TRASH_PLACE } from '../db/item-place';

/** The folders holding live items at or below `folder` (each once, unsorted). */
export function foldersWithItems(spaceId: string, folder = ''): Promise<string[]> {
  return foldersHoldingItems(db, spaceId, folder);
}

/** The live items in `folder` and below it: what renaming the folder moves. */
export async function viewsInFolderTree(spaceId: string, folder: string): Promise<ItemView[]> {
  return (await rowsInFolderTree(db, spaceId, folder)).map((row) => toView(itemStateOf(row)));
}

/** The newest live items of a space (any folder) and how many it has: the home screen's summary. */
export async function recentItems(
  spaceId: string,
  limit: number,
): Promise<{ recent: ItemView[]; total: number }> {
  const [rows, total] = await Promise.all([newestLive(db, spaceId, limit), countLive(db, spaceId)]);
  return { recent: rows.map((row) => toView(itemStateOf(row))), total };
}

/** The titles of the items with these ids (a lock's name is its item's id), by id. */
export async function titlesOf(spaceId: string, ids: readonly string[]): Promise<Record<string, string>> {
  const rows = await rowsByIds(db, spaceId, ids);
  return Object.fromEntries(rows.flatMap((row) => (row ? [[row.id, toView(itemStateOf(row)).title]] : [])));
}

/**
 * Follows the titles of the items with these ids (edits in any tab included): `onTitles` hears
 * them at once and after every change. Answers how to stop following.
 */
export function followTitles(
  spaceId: string,
  ids: readonly string[],
  onTitles: (titles: Record<string, string>) => void,
): () => void {
  const subscription = liveQuery(() => titlesOf(spaceId, ids)).subscribe(onTitles);
  return () => subscription.unsubscribe();
}
