import type { Stamp } from './hlc';
import type { JsonValue } from './item';
import {
  applyOp,
  composeOps,
  hunksOf,
  opBetween,
  opOfHunks,
  transformOps,
  type Hunk,
  type TextOp,
} from './text-ops';

// The memory of every version (S36) and the one merge of text written on an older version (S37).
// Pure: the space's object keeps the versions in SQLite, tests keep them in memory; a device of
// an end-to-end encrypted space can run the same merge on versions it fetched.

/** Through which door a version came in. */
export type VersionFront = 'app' | 'webdav' | 'lfs' | 'import' | 'restore' | 'merge';

/** One version of one field of one item, as the space's object remembers it. */
export interface FieldVersion {
  itemId: string;
  field: string;
  /** The version's id: the stamp of the write, or the server's stamp of a merge. */
  stamp: Stamp;
  value: JsonValue;
  /** The version it grew from: the write's base, or for a merge the version it merged into. */
  base: Stamp | null;
  /** For a merge: the write that was merged into `base`. */
  mergedFrom: Stamp | null;
  /** The version that took this one's place in the item (null while it is current, or unknown). */
  next: Stamp | null;
  /** The exact edit from this text to `next`'s where a merge made it; null means "their diff". */
  op: TextOp | null;
  author: string;
  front: VersionFront;
  /** Server time of the write, ms. */
  at: number;
  mutationId: string | null;
}

/** Where the versions live: synchronous, inside the transaction that applies a batch (S3). */
export interface VersionStore {
  get(itemId: string, field: string, stamp: Stamp): FieldVersion | null;
  add(version: FieldVersion): void;
  /** Records that `next` took the place of version `stamp`, with the exact edit if known. */
  link(itemId: string, field: string, stamp: Stamp, next: Stamp, op: TextOp | null): void;
}

/** The fields merged character by character (S37): a note's title and body, a record's text fields. */
export function isTextField(name: string): boolean {
  return name === 'title' || name === 'body' || name.startsWith(RECORD_PREFIX);
}

const RECORD_PREFIX = 'r:';

/**
 * The text a field's value holds, or null when it holds none: a title or body is a string; a
 * record field (`r:<name>`) of type text is `{ t: 'text', v: <text>, … }`.
 */
export function textOf(field: string, value: JsonValue | undefined): string | null {
  if (field === 'title' || field === 'body') return typeof value === 'string' ? value : null;
  if (!field.startsWith(RECORD_PREFIX) || value === null || typeof value !== 'object' || Array.isArray(value))
    return null;
  return value['t'] === 'text' && typeof value['v'] === 'string' ? value['v'] : null;
}

/** `value` holding `text` instead of its own (see {@link textOf}). */
export function withText(value: JsonValue, text: string): JsonValue {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ...value, v: text };
  return text;
}

/** Longest walk from a base to the current version before the base counts as unknown. */
const MAX_WALK = 10_000;

/**
 * The text of version `from` and the edit that turns it into version `to` (the field's current
 * one), composed along the versions that replaced each other; null when the store cannot say
 * (a version from before the store existed, or not a text).
 */
export function editSince(
  store: VersionStore,
  itemId: string,
  field: string,
  from: Stamp,
  to: Stamp,
): { text: string; op: TextOp } | null {
  const first = store.get(itemId, field, from);
  const text = first && textOf(field, first.value);
  if (!first || text === null) return null;
  let op: TextOp = text.length > 0 ? [text.length] : [];
  let cursor = first;
  let cursorText = text;
  for (let steps = 0; cursor.stamp !== to; steps++) {
    if (cursor.next === null || steps >= MAX_WALK) return null;
    const next = store.get(itemId, field, cursor.next);
    const nextText = next && textOf(field, next.value);
    if (!next || nextText === null) return null;
    op = composeOps(op, cursor.op ?? opBetween(cursorText, nextText));
    cursor = next;
    cursorText = nextText;
  }
  return { text, op };
}

/** A text write moved onto the current text (S37). */
export interface TextMergeResult {
  text: string;
  /** True when some of the write's changes overlapped the other side's and were left out. */
  conflict: boolean;
  /** The exact edit from the current text to the result. */
  fromCurrent: TextOp;
  /** The exact edit from the written text to the result; null where changes were left out. */
  fromWritten: TextOp | null;
}

/**
 * Merges `written`, typed on `base`, with the current text, which `theirs` made from `base`.
 * Changes at different places combine; insertions at one place are both kept, the written one
 * first (so text typed on goes on where it was typed); a change identical on both sides is made
 * once; a change of characters the other side also changed (a true overlap) is left out and
 * `conflict` says so, so the caller keeps the written text whole in a conflict copy.
 */
export function mergeTextWrite(
  base: string,
  written: string,
  theirs: TextOp,
  current: string,
): TextMergeResult {
  const mine = hunksOf(opBetween(base, written, true));
  const other = hunksOf(theirs);
  const kept: Hunk[] = [];
  let conflict = false;
  let dropped = false;
  for (const hunk of mine) {
    if (other.some((their) => sameChange(hunk, their))) {
      dropped = true;
      continue;
    }
    if (other.some((their) => overlaps(hunk, their))) {
      conflict = true;
      dropped = true;
      continue;
    }
    kept.push(hunk);
  }
  const moved = transformOps(opOfHunks(base.length, kept), theirs);
  return {
    text: applyOp(current, moved.mine),
    conflict,
    fromCurrent: moved.mine,
    fromWritten: dropped ? null : moved.theirs,
  };
}

function sameChange(a: Hunk, b: Hunk): boolean {
  return a.start < a.end && a.start === b.start && a.end === b.end && a.text === b.text;
}

/** Two changes of the same characters (S37): not two insertions at one place, nor two deletions. */
function overlaps(a: Hunk, b: Hunk): boolean {
  const aInserts = a.start === a.end;
  const bInserts = b.start === b.end;
  if (aInserts && bInserts) return false;
  if (aInserts) return b.start < a.start && a.start < b.end;
  if (bInserts) return a.start < b.start && b.start < a.end;
  if (a.text === '' && b.text === '') return false;
  return Math.max(a.start, b.start) < Math.min(a.end, b.end);
}
