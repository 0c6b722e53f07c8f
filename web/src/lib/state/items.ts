import type { ItemState } from '#shared/sync/item';
import { db, type LocalItem } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import type * as EditWrites from '../db/edit-writes';
import type { ItemsPort } from './items-port';

function stateOf(row: LocalItem): ItemState {
  const item: ItemState = { id: row.id, kind: row.kind, fields: row.fields };
  if (row.conflict) item.conflict = row.conflict;
  return item;
}

let writePath: Promise<typeof EditWrites> | undefined;

/**
 * Loads the write path (HLC, merge, outbox) ahead of the first edit. Screens that edit call it
 * when they open, so a save never waits for a download, even one made just before the page goes.
 */
export function preloadWritePath(): Promise<typeof EditWrites> {
  writePath ??= import('../db/edit-writes');
  return writePath;
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
    // The write path loads with the first editing screen (preloadWritePath), not the first screen.
    const { writeEdit } = await preloadWritePath();
    await writeEdit(db, spaceId, edit);
  },
};
