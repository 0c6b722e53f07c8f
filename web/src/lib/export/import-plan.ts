import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';
import { IMPORTED_CONFLICT } from '../db/imported-conflict';
import type { SpaceExport } from './format';

/** One item to write into the new space: its id, kind and every field value (tombstone included). */
export interface ImportWrite {
  itemId: string;
  kind: ItemKind;
  values: Record<string, JsonValue>;
}

/**
 * Conflict copies carry server-made ids (`<mutation id>~<letter>`) that a client may not create;
 * in the new space they become items under `<mutation id>_<letter>` that carry their label in
 * fields (db/imported-conflict.ts), so nothing is lost and they still read as conflict copies.
 */
export function importedId(id: string): string {
  const tilde = id.indexOf('~');
  return tilde < 0 ? id : `${id.slice(0, Math.min(tilde, 62))}_${id.slice(tilde + 1)}`;
}

/** The label fields of a conflict copy (S18), or none. */
function conflictLabel(item: ItemState): Record<string, JsonValue> {
  if (!item.conflict) return {};
  return {
    [IMPORTED_CONFLICT.of]: importedId(item.conflict.of),
    [IMPORTED_CONFLICT.reason]: item.conflict.reason,
  };
}

function valuesOf(item: ItemState): Record<string, JsonValue> {
  return {
    ...conflictLabel(item),
    ...Object.fromEntries(Object.entries(item.fields).map(([name, entry]) => [name, entry.v])),
  };
}

/** The writes that recreate an export's items in a new space, in id order; a conflict copy stays labelled as one (S18). */
export function planImport(data: SpaceExport): ImportWrite[] {
  return data.items
    .filter((item) => Object.keys(item.fields).length > 0)
    .map((item) => ({ itemId: importedId(item.id), kind: item.kind, values: valuesOf(item) }));
}

/** What a space holds, without stamps: what a round trip through export and import must keep (conflict labels included). */
export function spaceContent(items: readonly ItemState[]): ImportWrite[] {
  return items
    .map((item) => ({
      itemId: importedId(item.id),
      kind: item.kind,
      values: Object.fromEntries(Object.entries(valuesOf(item)).sort(([a], [b]) => (a < b ? -1 : 1))),
    }))
    .sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
}
