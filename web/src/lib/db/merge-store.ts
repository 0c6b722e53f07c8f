import { stampNode } from '#shared/sync/hlc';
import { CONFLICT_REASON, DELETED_FIELD, type ItemState, type JsonValue } from '#shared/sync/item';
import { IMPORTED_CONFLICT, IMPORTED_CONFLICT_FIELDS } from './imported-conflict';
import { diffLines, mergeText } from '#shared/sync/text-merge';
import type { BatonDatabase, EditBase } from './db';

// The device's side of the text merge (S22, S23), run inside the write and pull transactions of
// sync-store.ts. The server merges by stamps only (S5); texts are combined here.

/** The version of a text field an editor showed the user: its stamp and its text. */
export interface TextBase {
  stamp: string | null;
  text: string;
}

/** An edit's text fields after merging in what changed under the editor since its base. */
export interface MergedTexts {
  values: Record<string, JsonValue>;
  /** The stored item to keep as a conflict copy, when an edit overlapped it (S23). */
  overlapped: ItemState | null;
}

/**
 * Merges each text the editor wrote with the stored version when the stored one moved on since
 * the editor's base (another tab, or a pull, got there first): a write never claims a version
 * its author did not see.
 */
export function mergeUnder(
  local: ItemState | null,
  values: Record<string, JsonValue>,
  bases: Record<string, TextBase> | undefined,
): MergedTexts {
  const out = { ...values };
  let overlapped = false;
  for (const [name, base] of Object.entries(bases ?? {})) {
    const mine = out[name];
    const stored = local?.fields[name];
    if (mine === undefined || (stored?.s ?? null) === base.stamp) continue;
    if (typeof mine !== 'string') {
      // A value that is not text cannot be merged: the stored one the user did not see is kept
      // as a copy unless it is the same.
      if (stored && JSON.stringify(stored.v) !== JSON.stringify(mine)) overlapped = true;
      continue;
    }
    const theirs = typeof stored?.v === 'string' ? stored.v : '';
    const merged = mergeText(base.text, mine, theirs, { extensions: true });
    out[name] = merged.text;
    if (merged.conflict) overlapped = true;
  }
  return { values: out, overlapped: overlapped && local ? local : null };
}

/** The values of a conflict copy a device makes of `item` (S25): its fields, labelled with the original. */
export function copyValues(item: ItemState): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const [name, entry] of Object.entries(item.fields)) {
    if (name !== DELETED_FIELD && !IMPORTED_CONFLICT_FIELDS.includes(name)) values[name] = entry.v;
  }
  // Labelled like an imported copy (S23): only the server makes `conflict` records.
  values[IMPORTED_CONFLICT.of] = item.id;
  values[IMPORTED_CONFLICT.reason] = CONFLICT_REASON.overwritten;
  return values;
}

/** Keeps at most this many edit bases per item: enough for any run of edits still on its way. */
const BASES_PER_ITEM = 50;

/**
 * The edit bases (S22) of the items one write transaction touches: read with one query, kept in
 * memory while the edits of a group commit are made one after another, written with one put, so
 * a burst of edits costs no extra round trip per edit.
 */
export class EditBaseBatch {
  readonly #byItem = new Map<string, EditBase[]>();
  readonly #written: EditBase[] = [];

  private constructor(rows: EditBase[]) {
    for (const row of rows) this.#rowsOf(row.itemId).push(row);
  }

  /** Reads the stored bases of `itemIds`; call inside the write transaction. */
  static async load(db: BatonDatabase, spaceId: string, itemIds: string[]): Promise<EditBaseBatch> {
    const keys = itemIds.map((itemId) => [spaceId, itemId]);
    return new EditBaseBatch(await db.editBases.where('[spaceId+itemId]').anyOf(keys).toArray());
  }

  #rowsOf(itemId: string): EditBase[] {
    let rows = this.#byItem.get(itemId);
    if (!rows) this.#byItem.set(itemId, (rows = []));
    return rows;
  }

  /**
   * The text each written text field starts from: after this device's own edit, the text that
   * edit started from (so a run of keystrokes keeps the version before the run); otherwise the
   * stored text the write replaces.
   */
  baseTexts(
    clientId: string,
    local: ItemState | null,
    values: Record<string, JsonValue>,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const own = local ? (this.#byItem.get(local.id) ?? []) : [];
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'string') continue;
      const stored = local?.fields[name];
      const earlier =
        stored && stampNode(stored.s) === clientId ? own.find((row) => row.stamp === stored.s) : undefined;
      out[name] = earlier?.fields[name] ?? (typeof stored?.v === 'string' ? stored.v : '');
    }
    return out;
  }

  /** Keeps an edit's base texts (written by {@link flush}). */
  keep(row: EditBase): void {
    if (Object.keys(row.fields).length === 0) return;
    this.#rowsOf(row.itemId).push(row);
    this.#written.push(row);
  }

  /** Writes the kept bases and drops each item's oldest beyond {@link BASES_PER_ITEM}. */
  async flush(db: BatonDatabase): Promise<void> {
    if (this.#written.length === 0) return;
    await db.editBases.bulkPut(this.#written);
    const dropped: string[] = [];
    for (const rows of this.#byItem.values()) {
      if (rows.length <= BASES_PER_ITEM) continue;
      rows.sort((a, b) => (a.stamp < b.stamp ? -1 : 1));
      for (const old of rows.slice(0, rows.length - BASES_PER_ITEM)) dropped.push(old.mutationId);
    }
    if (dropped.length > 0) await db.editBases.bulkDelete(dropped);
  }
}

/** How many lines two texts share, in order. */
function shared(a: string, b: string): number {
  return diffLines(a, b).filter((line) => line.side === 'both').length;
}

/**
 * How a conflict copy the server made of this device's edit resolves (S22): per text field the
 * edit wrote, the item now and the copy merged against the version they both grew from. The
 * server keeps one base stamp per field, so that version is found among the ones this device
 * knows (the edit's base, and the texts its recent edits wrote): the one closest to the other
 * side, since the other side grew from it. `null` when some field overlaps or is not text: the
 * copy then stays for the user (S23).
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
  for (const [name, text] of Object.entries(base.fields)) {
    const now = current.fields[name];
    // This device wrote the field again since the lost edit: that later edit carries it, and
    // meets the winner on the server in turn (and then comes back as an `overwritten` copy).
    if (lost && now && stampNode(now.s) === clientId) continue;
    const mine = ours.fields[name]?.v;
    const other = theirs.fields[name]?.v;
    if (mine === other) continue;
    if (typeof mine !== 'string' || typeof other !== 'string') return null;
    let from = text;
    for (const row of known) {
      const candidate = row.wrote?.[name];
      if (candidate !== undefined && shared(candidate, other) > shared(from, other)) from = candidate;
    }
    const merged = mergeText(from, mine, other, { extensions: true });
    if (merged.conflict) return null;
    if (merged.text !== current.fields[name]?.v) values[name] = merged.text;
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
