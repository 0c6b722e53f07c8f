import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';
import type { SpaceExport } from './format';

/** One item to write into the new space: its id, kind and every field value (tombstone included). */
export interface ImportWrite {
  itemId: string;
  kind: ItemKind;
  values: Record<string, JsonValue>;
}

/**
 * Conflict copies carry server-made ids (`<mutation id>~<letter>`) that a client may not create;
 * in the new space they become ordinary items under `<mutation id>_<letter>`, so nothing is lost.
 */
export function importedId(id: string): string {
  const tilde = id.indexOf('~');
  return tilde < 0 ? id : `${id.slice(0, Math.min(tilde, 62))}_${id.slice(tilde + 1)}`;
}

/** The writes that recreate an export's items in a new space, in id order. */
export function planImport(data: SpaceExport): ImportWrite[] {
  return data.items
    .filter((item) => Object.keys(item.fields).length > 0)
    .map((item) => ({
      itemId: importedId(item.id),
      kind: item.kind,
      values: Object.fromEntries(Object.entries(item.fields).map(([name, entry]) => [name, entry.v])),
    }));
}

/** What a space holds, without stamps: what a round trip through export and import must keep. */
export function spaceContent(items: readonly ItemState[]): ImportWrite[] {
  return items
    .map((item) => ({
      itemId: importedId(item.id),
      kind: item.kind,
      values: Object.fromEntries(
        Object.entries(item.fields)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, entry]) => [name, entry.v]),
      ),
    }))
    .sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
}
