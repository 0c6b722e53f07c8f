import type { LockClaim } from '#shared/sync/mutation';
import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';

/**
 * What the screens need from the sync layer: read a space's items (inside a Dexie liveQuery, so
 * the screen follows every change, from this tab or another) and make a local edit (item and
 * outbox entry in one transaction). The sync engine implements it; see items.ts.
 */
export interface ItemsPort {
  /** Every item of the space on this device: live, deleted and conflict copies. */
  list(spaceId: string): Promise<ItemState[]>;
  get(spaceId: string, itemId: string): Promise<ItemState | undefined>;
  edit(
    spaceId: string,
    edit: { itemId: string; kind: ItemKind; values: Record<string, JsonValue>; lock?: LockClaim },
  ): Promise<void>;
}

/** A new client-made item id (url-safe, 8–64 characters as ClientItemIdSchema wants). */
export function newItemId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
