import type { ItemState } from '#shared/sync/item';
import { db, type LocalItem } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import type { ItemsPort } from './items-port';

function stateOf(row: LocalItem): ItemState {
  const item: ItemState = { id: row.id, kind: row.kind, fields: row.fields };
  if (row.conflict) item.conflict = row.conflict;
  return item;
}

/** The items of a space on this device: read from the sync layer's replica, written through its outbox. */
export const itemsPort: ItemsPort = {
  async list(spaceId) {
    return (await itemsOfSpace(db, spaceId)).map(stateOf);
  },
  async get(spaceId, itemId) {
    const row = await itemOf(db, spaceId, itemId);
    return row ? stateOf(row) : undefined;
  },
  async edit(spaceId, edit) {
    // The write path (HLC, merge) loads with the first edit, not with the first screen.
    const { writeEdit } = await import('../db/sync-store');
    await writeEdit(db, spaceId, edit);
  },
};
