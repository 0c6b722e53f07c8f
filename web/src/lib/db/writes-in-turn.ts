import type { JsonValue } from '#shared/sync/item';
import type { TextOp } from '#shared/sync/text-ops';
import type { BatonDatabase } from './db';
import { movesOf, writeEdit, type EditRequest } from './edit-writes';
import { buildEditOnEarlier } from './merge-store';

/** An edit as stored: its stamp, its values as stored, and how its texts moved there (S39). */
export interface StoredWrite {
  stamp: string;
  values: Record<string, JsonValue>;
  moves?: Record<string, TextOp>;
}

/** Per database, space and item, this page's latest edit on its way to the store. */
type OnTheirWay = Map<string, { edit: EditRequest; saved: Promise<StoredWrite> }>;
const onTheirWay = new WeakMap<BatonDatabase, OnTheirWay>();

/**
 * Writes `edit` of an item after this page's edit of that item that is still on its way, if any
 * (the editor goes, or the tab is hidden, and writes without waiting): both were typed on one
 * base, so the later one builds on what the earlier one became (S22, S34).
 */
export function writeInTurn(db: BatonDatabase, spaceId: string, edit: EditRequest): Promise<StoredWrite> {
  let items = onTheirWay.get(db);
  if (!items) onTheirWay.set(db, (items = new Map() as OnTheirWay));
  const key = `${spaceId}\u0000${edit.itemId}`;
  const earlier = items.get(key);
  const saved = (async () => {
    const before = earlier && (await earlier.saved.catch(() => null));
    const request =
      before && earlier ? buildEditOnEarlier(edit, earlier.edit, before.stamp, before.values) : edit;
    const mutation = await writeEdit(db, spaceId, request);
    // The values as stored: merged with what moved under the editor (S22).
    const values = Object.fromEntries(Object.entries(mutation.set).map(([name, write]) => [name, write.v]));
    const moves = movesOf(mutation);
    return Object.keys(moves).length > 0
      ? { stamp: mutation.stamp, values, moves }
      : { stamp: mutation.stamp, values };
  })();
  items.set(key, { edit, saved });
  const forget = () => {
    if (items.get(key)?.saved === saved) items.delete(key);
  };
  saved.then(forget, forget);
  return saved;
}
