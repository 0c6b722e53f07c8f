import type { TextBase } from '../db/merge-store';
import type { LockClaim } from '#shared/sync/mutation';
import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';
import type { TextOp } from '#shared/sync/text-ops';

/**
 * What the screens need from the sync layer: read a space's items (inside a Dexie liveQuery, so
 * the screen follows every change, from this tab or another) and make a local edit (item and
 * outbox entry in one transaction). The sync engine implements it; see items.ts.
 */
export interface ItemsPort {
  /** Every item of the space on this device: live, deleted and conflict copies. */
  list(spaceId: string): Promise<ItemState[]>;
  get(spaceId: string, itemId: string): Promise<ItemState | undefined>;
  /**
   * Writes an edit. `bases` names, per text field, the version the editor showed the user; a
   * field stored since is merged with it (S22). Answers the stamp and the values as stored.
   */
  edit(spaceId: string, edit: ItemEdit): Promise<SavedEdit>;
}

/** One edit of an item, as a screen makes it. */
export interface ItemEdit {
  itemId: string;
  kind: ItemKind;
  values: Record<string, JsonValue>;
  lock?: LockClaim;
  bases?: Record<string, TextBase>;
}

/** An edit as stored: its stamp, and the values after merging what moved under the editor. */
export interface SavedEdit {
  stamp: string;
  values: Record<string, JsonValue>;
  /** Text fields stored merged with another tab's text: the exact edit from what was sent (S39). */
  moves?: Record<string, TextOp>;
}

export type { TextBase };

/** A new client-made item id (url-safe, 8–64 characters as ClientItemIdSchema wants). */
export function newItemId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
