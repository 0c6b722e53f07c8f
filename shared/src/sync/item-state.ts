import type { Stamp } from './hlc';

/** What these helpers read of an item (the wire type is `ItemState` in item.ts). */
interface ItemFields {
  kind: string;
  fields: Record<string, { v: unknown; s: Stamp }>;
}

// The parts of an item every screen reads (kinds, the tombstone, the newest stamp, a file's blob),
// without the wire schemas: the first screen loads these, not the validators (item.ts).

/** The kinds of item a space holds. */
export const ITEM_KIND = { note: 'note', record: 'record', file: 'file' } as const;

/** One of {@link ITEM_KIND}. */
export type ItemKind = (typeof ITEM_KIND)[keyof typeof ITEM_KIND];

/** Why the server made a conflict copy (S6, S7). */
export const CONFLICT_REASON = {
  /** The user's write lost the merge to a concurrent write by someone else. */
  lost: 'lost',
  /** The user's write overwrote a concurrent write by someone else; the copy keeps theirs. */
  overwritten: 'overwritten',
  /** The user edited an item someone else had deleted. */
  deleted: 'deleted',
  /** The write was fenced off by a lock (S8). */
  fenced: 'fenced',
} as const;

/** One of {@link CONFLICT_REASON}. */
export type ConflictReason = (typeof CONFLICT_REASON)[keyof typeof CONFLICT_REASON];

/** The reserved field whose value (`true`/`false`) is the item's stamped tombstone (S4). */
export const DELETED_FIELD = '$deleted';

/** True when the item's tombstone says it is deleted. */
export function isDeleted(item: ItemFields): boolean {
  return item.fields[DELETED_FIELD]?.v === true;
}

/** The newest stamp of any field of the item, or null for an item without fields. */
export function newestStamp(item: ItemFields): Stamp | null {
  let newest: Stamp | null = null;
  for (const entry of Object.values(item.fields)) if (newest === null || entry.s > newest) newest = entry.s;
  return newest;
}

/**
 * The field of a `file` item that holds its blob's SHA-256 (lowercase hex). The server reads
 * this one field, and `$deleted`, to keep blob references (files spec); like a tombstone it is
 * metadata that stays readable in an end-to-end encrypted space.
 */
export const FILE_BLOB_FIELD = 'sha256';

/** The blob a file item refers to, or null (not a file, deleted, or no valid hash). */
export function blobRefOf(item: ItemFields): string | null {
  if (item.kind !== ITEM_KIND.file || isDeleted(item)) return null;
  const value = item.fields[FILE_BLOB_FIELD]?.v;
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : null;
}
