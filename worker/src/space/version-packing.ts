import type { JsonValue } from '#shared/sync/item';
import { applyOp, opBetween, type TextOp } from '#shared/sync/text-ops';
import { textOf, withText } from '#shared/sync/versions';

/**
 * Schema step of packed text history (docs/spec/history.md V21): a text version that another
 * took the place of keeps, instead of its whole text, the edit that turns its successor's text
 * back into its own (`delta`; `value` then holds JSON `null`). `run` counts the packed versions
 * right behind a version, so every {@link FULL_EVERY}th one stays whole and a read walks at most
 * that far. Existing rows stay whole.
 */
export const VERSION_PACKING_SCHEMA_STEP =
  'ALTER TABLE field_versions ADD COLUMN delta TEXT;' +
  'ALTER TABLE field_versions ADD COLUMN run INTEGER NOT NULL DEFAULT 0';

/** At most this many packed versions in a row before one is kept whole (bounds a read's walk). */
export const FULL_EVERY = 200;

/** The columns a packed version is read from. */
export type PackedRow = {
  item_id: string;
  field: string;
  stamp: string;
  value: string;
  next: string | null;
  delta: string | null;
};

/** How version `stamp` is kept, given its value and the value of the version that replaced it. */
export function packAgainst(
  field: string,
  value: JsonValue,
  nextValue: JsonValue,
): { value: string; delta: string } | null {
  const text = textOf(field, value);
  const nextText = textOf(field, nextValue);
  if (text === null || nextText === null) return null;
  // Only where the successor's value with this text is exactly this value (a record field's
  // other keys equal), so unpacking gives back the very same JSON.
  if (JSON.stringify(withText(nextValue, text)) !== JSON.stringify(value)) return null;
  const delta: TextOp = opBetween(nextText, text);
  const packed = JSON.stringify(delta);
  // A rewrite of most of the text is kept whole: a delta would be no smaller.
  if (packed.length >= JSON.stringify(value).length) return null;
  return { value: 'null', delta: packed };
}

/**
 * Values of packed rows, read over SQLite: each packed row walks its successors (`next`) to a
 * whole one and applies their deltas back. Values already known are reused across a read, so a
 * page of consecutive versions costs one walk.
 */
export class PackedTexts {
  private readonly known = new Map<string, JsonValue>();

  constructor(private readonly sql: SqlStorage) {}

  private key(itemId: string, field: string, stamp: string): string {
    return `${itemId}\u0000${field}\u0000${stamp}`;
  }

  /** Remembers a value known whole (from memory, not the table). */
  remember(itemId: string, field: string, stamp: string, value: JsonValue): void {
    this.known.set(this.key(itemId, field, stamp), value);
  }

  /** The whole value of a row. */
  valueOf(row: PackedRow): JsonValue {
    const key = this.key(row.item_id, row.field, row.stamp);
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    if (row.delta === null) {
      const value = JSON.parse(row.value) as JsonValue;
      this.known.set(key, value);
      return value;
    }
    const chain: PackedRow[] = [row];
    let whole: JsonValue | undefined;
    for (let cursor = row; whole === undefined;) {
      if (cursor.next === null) throw new Error(`Packed version ${cursor.stamp} has no successor`);
      const nextKey = this.key(cursor.item_id, cursor.field, cursor.next);
      whole = this.known.get(nextKey);
      if (whole !== undefined) break;
      const next = this.sql
        .exec<PackedRow>(
          'SELECT item_id, field, stamp, value, next, delta FROM field_versions WHERE item_id = ? AND field = ? AND stamp = ?',
          cursor.item_id,
          cursor.field,
          cursor.next,
        )
        .toArray()[0];
      if (!next) throw new Error(`Packed version ${cursor.stamp} lost its successor`);
      if (next.delta === null) {
        whole = JSON.parse(next.value) as JsonValue;
        this.known.set(nextKey, whole);
        break;
      }
      chain.push(next);
      cursor = next;
    }
    let value: JsonValue = whole;
    for (let at = chain.length - 1; at >= 0; at--) {
      const packed = chain[at]!;
      const text = applyOp(textOf(packed.field, value) ?? '', JSON.parse(packed.delta!) as TextOp);
      value = withText(value, text);
      this.known.set(this.key(packed.item_id, packed.field, packed.stamp), value);
    }
    return value;
  }
}
