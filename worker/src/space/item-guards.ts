import { folderLocksOver, isFolderLock } from '#shared/locks/folders';
import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import type { ItemState } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';

/**
 * The locks that guard a write to an item (S8, L15, L23): the item's own lock, named by its id,
 * and the check-out of every folder the write touches — the folder the item is in and, for a
 * move, the folder it goes to — and of every folder above those.
 */
export function locksGuarding(mutation: Mutation, current: ItemState | null): string[] {
  const folders = new Set([folderOf(current?.fields[FOLDER_FIELD]?.v)]);
  const moveTo = mutation.set[FOLDER_FIELD];
  if (moveTo) folders.add(folderOf(moveTo.v));
  const guards = new Set([mutation.itemId]);
  for (const folder of folders) for (const name of folderLocksOver(folder)) guards.add(name);
  return [...guards];
}

/** What a writer refused by lock `name` is told (S8): the item's own lock, or a folder's check-out. */
export function fencedMessage(name: string, reason: 'locked' | 'stale_token'): string {
  const what = isFolderLock(name) ? `The folder "${name}"` : `"${name}"`;
  return reason === 'locked'
    ? `${what} is checked out by someone else; your version was kept as a conflict copy.`
    : `Your lock on ${isFolderLock(name) ? `the folder "${name}"` : `"${name}"`} ran out and was taken again; your version was kept as a conflict copy.`;
}
