import { stampNode } from '#shared/sync/hlc';
import type { ItemState, JsonValue } from '#shared/sync/item';
import { IMPORTED_CONFLICT_FIELDS } from './imported-conflict';
import { diffLines, mergeText } from '#shared/sync/text-merge';
import type { EditBase } from './db';

// How the device settles the conflict copies the server keeps of live text edits (S22, S23).
// The server merges by stamps only (S5) and keeps one base stamp per field, so the version two
// concurrent edits grew from is only known approximately. A guess can be wrong; a copy is
// therefore dismissed only when the merge keeps every line either side typed (S7).

/** How many lines two texts share, in order. */
function shared(a: string, b: string): number {
  return diffLines(a, b).filter((line) => line.side === 'both').length;
}

/**
 * The texts field `name` had in the versions the edit `row` grew from, oldest first: the run's
 * first base, then each of this device's own edits the edit was made on top of (its base stamp
 * names this device's previous write, and so on). Never the edit's own text: whoever wrote
 * concurrently with it did not see it. Rows written before base stamps were kept fall back to
 * this device's earlier edits of the item.
 */
export function ancestorsOf(row: EditBase, known: readonly EditBase[], name: string): string[] {
  const out: string[] = [];
  const byStamp = new Map(known.map((other) => [other.stamp, other]));
  if (row.seen) {
    let stamp = row.seen[name] ?? null;
    for (let step = 0; stamp !== null && step < known.length; step++) {
      const earlier = byStamp.get(stamp);
      const text = earlier?.wrote?.[name];
      if (!earlier || text === undefined) break;
      out.push(text);
      stamp = earlier.seen?.[name] ?? null;
    }
  } else {
    for (const other of known) {
      const text = other.wrote?.[name];
      if (other.stamp < row.stamp && text !== undefined) out.push(text);
    }
  }
  const first = row.fields[name];
  return first === undefined ? out.reverse() : [first, ...out.reverse()];
}

/** Of `candidates` (oldest first), the one sharing most lines with `other`; the oldest on a tie. */
export function closestTo(candidates: readonly string[], other: string): string {
  let best = candidates[0] ?? '';
  for (const candidate of candidates.slice(1)) {
    if (shared(candidate, other) > shared(best, other)) best = candidate;
  }
  return best;
}

/** True when `merged` holds `line` whole, or typed on (a merged line starts with it). */
function holds(merged: readonly string[], line: string): boolean {
  return merged.some((other) => other.startsWith(line));
}

/** True when `merged` holds every line of `text` whole or typed on. */
export function holdsEveryLine(merged: string, text: string): boolean {
  const lines = merged.split('\n');
  return text.split('\n').every((line) => holds(lines, line));
}

/**
 * True when `merged` (a merge of `mine`, this device's text, and `theirs`) keeps every line of
 * `mine`, and every line of `theirs` except those `mine` deleted since `base` (the first version
 * this device's side grew from, which it knows for sure). A line only `theirs` lacks is kept: it
 * may be one they never saw rather than one they deleted.
 */
export function keepsEveryLine(merged: string, mine: string, theirs: string, base: string): boolean {
  const lines = merged.split('\n');
  const before = new Set(base.split('\n'));
  const mineLines = new Set(mine.split('\n'));
  return (
    holdsEveryLine(merged, mine) &&
    theirs.split('\n').every((line) => holds(lines, line) || (before.has(line) && !mineLines.has(line)))
  );
}

/**
 * Merges `mine` (this device's text of a field, from its edit `row`) with `theirs` (a concurrent
 * version) against the version they most likely both grew from. `null` when they overlap, or
 * when the merge would drop a line either side typed: the copy then stays for the user (S23).
 */
export function mergeConcurrent(
  row: EditBase,
  known: readonly EditBase[],
  name: string,
  mine: string,
  theirs: string,
): string | null {
  const ancestors = ancestorsOf(row, known, name);
  const from = closestTo(ancestors, theirs);
  const merged = mergeText(from, mine, theirs, { extensions: true });
  if (merged.conflict || !keepsEveryLine(merged.text, mine, theirs, ancestors[0] ?? from)) return null;
  return merged.text;
}

/**
 * This device's newest edit of field `name` among `known` (its edit bases of one item), when it
 * is newer than `row`: what its person typed there last, which holds what they typed before.
 */
export function laterOwnEdit(row: EditBase, known: readonly EditBase[], name: string): EditBase | null {
  let latest: EditBase | null = null;
  for (const other of known) {
    if (other.wrote?.[name] === undefined || other.stamp <= row.stamp) continue;
    if (!latest || other.stamp > latest.stamp) latest = other;
  }
  return latest;
}

/** True when an edit this device made after `row` wrote a text of `name` holding all of `text`. */
function carriedLater(row: EditBase, known: readonly EditBase[], name: string, text: string): boolean {
  return known.some((other) => {
    const later = other.wrote?.[name];
    return other.stamp > row.stamp && later !== undefined && holdsEveryLine(later, text);
  });
}

/**
 * How a conflict copy the server made of this device's edit resolves (S22): per text field the
 * edit wrote, the item now and the copy merged ({@link mergeConcurrent}). `null` when some field
 * overlaps or is not text: the copy then stays for the user (S23).
 */
export function resolveCopy(
  base: EditBase,
  known: readonly EditBase[],
  current: ItemState,
  copy: ItemState,
  clientId: string,
): Record<string, JsonValue> | null {
  const values: Record<string, JsonValue> = {};
  const lost = copy.conflict?.reason === 'lost';
  const ours = lost ? copy : current;
  const theirs = lost ? current : copy;
  for (const name of Object.keys(base.fields)) {
    const now = current.fields[name];
    const mine = ours.fields[name]?.v;
    const other = theirs.fields[name]?.v;
    if (mine === other) continue;
    if (typeof mine !== 'string' || typeof other !== 'string') return null;
    if (lost && now && stampNode(now.s) === clientId && holdsEveryLine(other, mine)) continue;
    // This device wrote the field again since the lost edit and that later write holds all of
    // it: the lost edit's stale text is not merged in again over it. The later write is what
    // must be in the item; its own copy may come in a later page, so it is merged now where it
    // merges cleanly, and otherwise left to that copy.
    const later = lost && carriedLater(base, known, name, mine) ? laterOwnEdit(base, known, name) : null;
    const typed = later?.wrote?.[name];
    if (later && typed !== undefined) {
      const merged = holdsEveryLine(other, typed) ? null : mergeConcurrent(later, known, name, typed, other);
      if (merged !== null && merged !== now?.v) values[name] = merged;
      continue;
    }
    const merged = mergeConcurrent(base, known, name, mine, other);
    if (merged === null) return null;
    if (merged !== now?.v) values[name] = merged;
  }
  return values;
}

/** The text of a field value: a note's string, or a record text field's `{ t: 'text', v }`. */
function textOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && value['t'] === 'text') {
    const text = value['v'];
    return typeof text === 'string' ? text : undefined;
  }
  return undefined;
}

/** True when `later` is `earlier`, or text typed on from it: the same lines, each the same or longer. */
function typedOn(earlier: JsonValue | undefined, later: JsonValue | undefined): boolean {
  if (JSON.stringify(earlier) === JSON.stringify(later)) return true;
  const a = textOf(earlier);
  const b = textOf(later);
  if (a === undefined || b === undefined) return false;
  const was = a.split('\n');
  const now = b.split('\n');
  return was.length === now.length && was.every((line, index) => now[index]!.startsWith(line));
}

/**
 * True when every text field of `older` (a conflict copy of this device's edit) is in `newer`
 * (a later copy of its edits of the same item) line for line, or typed on: the later copy
 * holds all of it, so one copy is enough (S23).
 */
export function supersedes(newer: ItemState, older: ItemState, names: readonly string[]): boolean {
  return names.every((name) => typedOn(older.fields[name]?.v, newer.fields[name]?.v));
}

/**
 * True when `holder` (the item, or a later copy of it) has every field of `copy`: the same
 * value, or text typed on from it (S23). Such a copy shows nothing the holder lacks. Used for
 * copies of edits that kept no text base (record fields), where live typing by two people
 * leaves one copy per keystroke.
 */
export function holdsAll(holder: ItemState, copy: ItemState): boolean {
  return Object.entries(copy.fields).every(([name, entry]) => {
    if (IMPORTED_CONFLICT_FIELDS.includes(name)) return true; // the label of a copy made on the device
    const held = holder.fields[name];
    return held !== undefined && (held.s === entry.s || typedOn(entry.v, held.v));
  });
}
