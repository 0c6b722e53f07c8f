/**
 * Folders of a space (docs/spec/webdav.md, D-rules). A file or note item's `folder` field holds
 * its folder path, `''` for the top or `a/b` segments joined by `/`; it syncs like any field.
 * Names are never unique by force: two items of one name in one folder (made offline on two
 * devices) are both shown, the later one as `name (2).ext` ({@link uniqueNames}).
 */

/** The item field that holds the folder path. */
export const FOLDER_FIELD = 'folder';

/** Longest folder path, in characters. */
export const FOLDER_PATH_MAX = 1024;

// C0, DEL and C1 controls, and characters Windows refuses in names.
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|]/;

/** Why `name` cannot name a file or folder, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'A name cannot be empty.';
  if (name.length > 255) return 'A name has at most 255 characters.';
  if (name === '.' || name === '..') return 'A name cannot be . or ..';
  if (BAD_NAME.test(name)) return 'A name cannot contain / \\ : * ? " < > | or control characters.';
  if (name.trim() !== name || name.endsWith('.'))
    return 'A name cannot start or end with a space or end with a dot.';
  return null;
}

/** The folder path of a value as stored (anything malformed counts as the top folder). */
export function folderOf(value: unknown): string {
  if (typeof value !== 'string' || value.length > FOLDER_PATH_MAX) return '';
  const segments = value.split('/').filter((segment) => segment !== '');
  return segments.every((segment) => nameProblem(segment) === null) ? segments.join('/') : '';
}

/** The path of `name` inside `folder`. */
export function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** The parent folder of a path (`''` for a top-level one). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/**
 * Names for siblings that may share a name: the oldest of each group (by `order`, then id)
 * keeps it, the others get ` (2)`, ` (3)`… before the extension, skipping names already taken.
 * Names compare case-insensitively, as on Windows and macOS.
 */
export function uniqueNames(
  entries: readonly { id: string; name: string; order: string }[],
): Map<string, string> {
  const sorted = [...entries].sort((a, b) =>
    a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const taken = new Set(entries.map((entry) => entry.name.toLowerCase()));
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const entry of sorted) {
    let name = entry.name;
    if (used.has(name.toLowerCase())) {
      let n = 2;
      while (
        taken.has(numbered(entry.name, n).toLowerCase()) ||
        used.has(numbered(entry.name, n).toLowerCase())
      )
        n++;
      name = numbered(entry.name, n);
    }
    used.add(name.toLowerCase());
    out.set(entry.id, name);
  }
  return out;
}
