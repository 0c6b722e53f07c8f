import * as v from 'valibot';

/** Longest lock name, in characters (after NFC normalisation). Git paths rarely come close. */
export const LOCK_NAME_MAX_LENGTH = 512;

// C0 controls, DEL and C1 controls: invisible in UIs and logs, and unsafe in CSV and headers.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `name` is not a valid lock name, or `null` when it is. A lock name is an item id, a
 * relative, path-like name such as `designs/logo.psd` (the shape Git LFS locks use), or a folder
 * followed by one `/` (`designs/`: the folder's check-out, see `folders.ts`): no control
 * characters, no backslash, no leading `/`, no empty, `.` or `..` segments, no surrounding
 * whitespace, at most {@link LOCK_NAME_MAX_LENGTH} characters.
 */
export function lockNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > LOCK_NAME_MAX_LENGTH) return `must be at most ${LOCK_NAME_MAX_LENGTH} characters`;
  if (CONTROL_CHARS.test(name)) return 'must not contain control characters';
  if (name.includes('\\')) return 'must use / (not \\) between path segments';
  if (name.trim() !== name) return 'must not start or end with whitespace';
  if (name.startsWith('/')) return 'must be a relative path (no leading /)';
  // One trailing `/` names a folder's check-out; its segments are checked like any path's.
  const path = name.endsWith('/') ? name.slice(0, -1) : name;
  if (path.trim() !== path) return 'must not start or end with whitespace';
  for (const segment of path.split('/')) {
    if (segment === '') return 'must not contain empty path segments (//)';
    if (segment === '.' || segment === '..') return 'must not contain . or .. segments';
  }
  return null;
}

/**
 * A lock name, NFC-normalised so that the same file name typed on macOS (NFD) and elsewhere
 * names the same lock, then checked by {@link lockNameProblem}.
 */
export const LockNameSchema = v.pipe(
  v.string(),
  v.transform((name) => name.normalize('NFC')),
  v.check(
    (name) => lockNameProblem(name) === null,
    (issue) => `Lock name ${lockNameProblem(String(issue.input))}`,
  ),
);

/** A valid, normalised lock name. */
export type LockName = v.InferOutput<typeof LockNameSchema>;

/**
 * Decodes one percent-encoded URL path segment strictly (rule L16): a `%` not followed by two hex
 * digits, or bytes that are not UTF-8, make the whole segment invalid (null), instead of being
 * taken literally as lenient decoders do.
 */
export function decodePathSegment(segment: string): string | null {
  if (/%(?![0-9A-Fa-f]{2})/.test(segment)) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
