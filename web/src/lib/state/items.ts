import { db } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import { itemWithMovesOf } from '../db/rows';
import type * as WritesInTurn from '../db/writes-in-turn';
import { drafts } from './drafts.svelte';
import type { ItemsPort } from '../items/items-port';
import { pageEdits } from './page-journal';

let writePath: Promise<typeof WritesInTurn> | undefined;

/**
 * Loads the write path (HLC, merge, outbox) ahead of the first edit. Screens that edit call it
 * when they open, so a save never waits for a download, even one made just before the page goes.
 */
export function preloadWritePath(): Promise<typeof WritesInTurn> {
  writePath ??= import('../db/writes-in-turn');
  return writePath;
}

/** The items of a space on this device: read from the sync layer's replica, written through its outbox. */
export const itemsPort: ItemsPort = {
  async list(spaceId) {
    return (await itemsOfSpace(db, spaceId)).map(itemWithMovesOf);
  },
  async get(spaceId, itemId) {
    const row = await itemOf(db, spaceId, itemId);
    return row ? itemWithMovesOf(row) : undefined;
  },
  async edit(spaceId, edit) {
    // Kept in the page's journal until stored, so a page that goes first does not lose it (S34).
    const ticket = pageEdits.begin(spaceId, edit);
    try {
      // The write path loads with the first editing screen (preloadWritePath), not the first screen.
      const { writeInTurn } = await preloadWritePath();
      // Until the waiting count is read after this write, the status does not say "Synced" (S24).
      drafts.wrote();
      const saved = await writeInTurn(db, spaceId, edit);
      pageEdits.stored(ticket, saved.stamp, saved.values);
      return saved;
    } catch (error) {
      pageEdits.failed(ticket);
      throw error;
    }
  },
};
