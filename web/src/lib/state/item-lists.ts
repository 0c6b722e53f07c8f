import { db } from '../db/db';
import { foldersHoldingItems, rowsInFolderTree } from '../db/item-lists';
import { toView, type ItemView } from './item-view';
import { itemStateOf } from './items';

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
