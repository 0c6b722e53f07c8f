import type { Mutation } from '#shared/sync/mutation';
import type { TextOp } from '#shared/sync/text-ops';
import { db } from '../db/db';
import { itemOf, itemsOfSpace } from '../db/queries';
import { itemWithMovesOf } from '../db/rows';
import type * as EditWrites from '../db/edit-writes';
import { drafts } from './drafts.svelte';
import type { ItemEdit, ItemsPort, SavedEdit } from '../items/items-port';
import { pageEdits } from './page-journal';

let writePath: Promise<typeof EditWrites> | undefined;

/**
 * Loads the write path (HLC, merge, outbox) ahead of the first edit. Screens that edit call it
 * when they open, so a save never waits for a download, even one made just before the page goes.
 */
export function preloadWritePath(): Promise<typeof EditWrites> {
  writePath ??= import('../db/edit-writes');
  return writePath;
}

async function writeNow(
  spaceId: string,
  edit: ItemEdit,
): Promise<{ mutation: Mutation; moves: Record<string, TextOp> }> {
  // The write path loads with the first editing screen (preloadWritePath), not the first screen.
  const { writeEdit, movesOf } = await preloadWritePath();
  // Until the waiting count is read after this write, the status does not say "Synced" (S24).
  drafts.wrote();
  const mutation = await writeEdit(db, spaceId, edit);
  return { mutation, moves: movesOf(mutation) };
}

/** Per item, this page's latest edit on its way to the store, and its answer to come. */
const onTheirWay = new Map<string, { edit: ItemEdit; saved: Promise<SavedEdit> }>();

/**
 * Writes `edit`. One sent while this page's edit of the same item was on its way (the editor
 * goes, or the tab is hidden, and writes without waiting) was typed on the same base: it is
 * written once that one is stored, built on what it became (S22).
 */
async function writeAfter(
  spaceId: string,
  edit: ItemEdit,
  earlier: { edit: ItemEdit; saved: Promise<SavedEdit> } | undefined,
): Promise<SavedEdit> {
  const before = earlier && (await earlier.saved.catch(() => null));
  const { buildEditOnEarlier } = await preloadWritePath();
  const request =
    before && earlier ? buildEditOnEarlier(edit, earlier.edit, before.stamp, before.values) : edit;
  const { mutation, moves } = await writeNow(spaceId, request);
  // The values as stored: merged with what moved under the editor (S22).
  const values = Object.fromEntries(Object.entries(mutation.set).map(([name, write]) => [name, write.v]));
  return Object.keys(moves).length > 0
    ? { stamp: mutation.stamp, values, moves }
    : { stamp: mutation.stamp, values };
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
    const key = `${spaceId}\u0000${edit.itemId}`;
    const saved = writeAfter(spaceId, edit, onTheirWay.get(key));
    onTheirWay.set(key, { edit, saved });
    try {
      const done = await saved;
      pageEdits.stored(ticket, done.stamp, done.values);
      return done;
    } catch (error) {
      pageEdits.failed(ticket);
      throw error;
    } finally {
      if (onTheirWay.get(key)?.saved === saved) onTheirWay.delete(key);
    }
  },
};
