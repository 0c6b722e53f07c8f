/**
 * Folder check-outs (docs/spec/locks.md, folder rules): a lock whose name ends in `/` is the
 * check-out of that folder (`designs/`, `designs/2026/`) and covers every item in it, present and
 * future, and everything in its sub-folders. Folder paths are those of `shared/src/sync/folders.ts`
 * (`''` for the top, `a/b` otherwise); the top folder itself cannot be checked out.
 */

/** True when `name` names a folder's check-out rather than an item or a file path. */
export function isFolderLock(name: string): boolean {
  return name.endsWith('/');
}

/** The lock name of the check-out of `folder` (`a/b` → `a/b/`). */
export function folderLockName(folder: string): string {
  return `${folder}/`;
}

/** The folder a folder lock checks out (`a/b/` → `a/b`). */
export function folderOfLock(name: string): string {
  return name.slice(0, -1);
}

/**
 * The folder check-outs that cover something stored in `folder`: the folder's own and every
 * folder's above it, outermost first (`a/b` → `a/`, `a/b/`; the top folder → none).
 */
export function folderLocksOver(folder: string): string[] {
  if (folder === '') return [];
  const segments = folder.split('/');
  return segments.map((_, i) => folderLockName(segments.slice(0, i + 1).join('/')));
}

/** Whether folder lock `folderLock` covers `path` (a folder lock, or a path-like lock name such as `a/b/c.psd`). */
export function covers(folderLock: string, path: string): boolean {
  return path !== folderLock && path.startsWith(folderLock);
}
