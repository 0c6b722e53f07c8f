import type { ItemState } from '#shared/sync/item';
import { db, type LocalItem } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import type * as WritesInTurn from '../db/writes-in-turn';
import { drafts } from './drafts.svelte';
import type { ItemsPort } from './items-port';
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

// The item as screens see it; a copy made on a device (import, S18; overlap, S23) carries its
// label in fields, which the replica stores as the row's `conflict`.
export function itemStateOf(row: LocalItem): ItemState & Pick<LocalItem, 'moves'> {
  const item: ItemState & Pick<LocalItem, 'moves'> = { id: row.id, kind: row.kind, fields: row.fields };
  if (row.conflict) item.conflict = row.conflict;
  // How each text moved, exactly, from one stored version to the next, for an open editor (S39).
  if (row.moves) item.moves = row.moves;
  return item;
}

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
