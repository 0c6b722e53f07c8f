import { isFolderLock } from '#shared/locks/folders';

/** A lock as a message names it: its name and how people know it (a title, or the path). */
export interface NamedLock {
  name: string;
  label: string;
}

/**
 * Why a check-out of `wanted` was refused because of another lock, `blocker`, held by `who`
 * (L21): a folder checked out around it, or — for a folder — something inside it checked out.
 */
export function blockedMessage(wanted: NamedLock, blocker: NamedLock, who: string): string {
  const inside =
    isFolderLock(wanted.name) && (!isFolderLock(blocker.name) || blocker.name.startsWith(wanted.name));
  if (inside) {
    const what = isFolderLock(blocker.name) ? `the folder “${blocker.label}”` : `“${blocker.label}”`;
    return `The folder “${wanted.label}” cannot be checked out: ${what} inside it is checked out by ${who}.`;
  }
  return `“${wanted.label}” is in the folder “${blocker.label}”, checked out by ${who}.`;
}
