import { db } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import { itemStateOf, writeEdit } from '../db/sync-store';
import type { ItemsPort } from './items-port';

/** The items of a space on this device: read from the sync layer's replica, written through its outbox. */
export const itemsPort: ItemsPort = {
  async list(spaceId) {
    return (await itemsOfSpace(db, spaceId)).map(itemStateOf);
  },
  async get(spaceId, itemId) {
    const row = await itemOf(db, spaceId, itemId);
    return row ? itemStateOf(row) : undefined;
  },
  async edit(spaceId, edit) {
    await writeEdit(db, spaceId, edit);
  },
};
