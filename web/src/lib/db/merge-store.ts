import { stampNode } from '#shared/sync/hlc';
import { CONFLICT_REASON, DELETED_FIELD, type ItemState, type JsonValue } from '#shared/sync/item';
import { IMPORTED_CONFLICT, IMPORTED_CONFLICT_FIELDS } from './imported-conflict';
import { mergeText } from '#shared/sync/text-merge';
import type { BatonDatabase, EditBase } from './db';

// The device's side of the text merge (S22, S23), run inside the write transactions of
// edit-writes.ts. The server merges by stamps only (S5); texts are combined here.

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
