import { IMPORTED_CONFLICT_FIELDS } from '../db/imported-conflict';
import { DELETED_FIELD, type ItemKind, type JsonValue } from '#shared/sync/item';
import type { LockClaim } from '#shared/sync/mutation';
import { db as defaultDb, type BatonDatabase } from '../db/db';
import { retryRejected, writeEdit } from '../db/edit-writes';
import { randomId } from '../db/row-writes';
import { discardRejected } from '../db/sync-store';

// The write side of a space for the UI. Every call lands in IndexedDB at once (item + outbox,
// one transaction) and shows in every tab; the leader tab's engine pushes it (S1).

/** Creates an item and answers its id. */
export async function createItem(
  spaceId: string,
  kind: ItemKind,
  values: Record<string, JsonValue>,
  db: BatonDatabase = defaultDb,
): Promise<string> {
  const itemId = randomId();
  await writeEdit(db, spaceId, { itemId, kind, values });
  return itemId;
}

/** Writes some fields of an item. Pass the lock claim while the item is checked out (S8). */
export async function editItem(
  spaceId: string,
  itemId: string,
  values: Record<string, JsonValue>,
  options: { kind?: ItemKind; lock?: LockClaim } = {},
  db: BatonDatabase = defaultDb,
): Promise<void> {
  const existing = await db.items.get([spaceId, itemId]);
  const kind = existing?.kind ?? options.kind;
  if (!kind) throw new Error(`Item ${itemId} is not on this device; pass its kind to create it.`);
  await writeEdit(
    db,
    spaceId,
    options.lock ? { itemId, kind, values, lock: options.lock } : { itemId, kind, values },
  );
}

/** Deletes an item: a stamped tombstone, restorable (S4). */
export function deleteItem(
  spaceId: string,
  itemId: string,
  options: { lock?: LockClaim } = {},
  db: BatonDatabase = defaultDb,
): Promise<void> {
  return editItem(spaceId, itemId, { [DELETED_FIELD]: true }, options, db);
}

/** Brings a deleted item back. */
export function restoreItem(spaceId: string, itemId: string, db: BatonDatabase = defaultDb): Promise<void> {
  return editItem(spaceId, itemId, { [DELETED_FIELD]: false }, {}, db);
}

/**
 * Restores a conflict copy (S6): its fields become the item's current values (a new edit, so it
 * wins everywhere), and the copy goes away. To keep the current version instead, dismiss it.
 */
export async function restoreConflictCopy(
  spaceId: string,
  copyId: string,
  options: { lock?: LockClaim } = {},
  db: BatonDatabase = defaultDb,
): Promise<void> {
  const copy = await db.items.get([spaceId, copyId]);
  if (!copy?.conflict) return;
  const values = Object.fromEntries(
    Object.entries(copy.fields)
      .filter(([name]) => !IMPORTED_CONFLICT_FIELDS.includes(name)) // the label is the copy's, not the item's
      .map(([name, entry]) => [name, entry.v]),
  );
  await editItem(
    spaceId,
    copy.conflict.of,
    { ...values, [DELETED_FIELD]: false },
    { kind: copy.kind, ...options },
    db,
  );
  await deleteItem(spaceId, copyId, {}, db);
}

/** Dismisses a conflict copy (deletes it everywhere). */
export function dismissConflictCopy(
  spaceId: string,
  copyId: string,
  db: BatonDatabase = defaultDb,
): Promise<void> {
  return deleteItem(spaceId, copyId, {}, db);
}

/** Forgets an edit the server refused. */
export function discardRefusedEdit(seq: number, db: BatonDatabase = defaultDb): Promise<void> {
  return discardRejected(db, seq);
}

/** Sends an edit the server refused again, as a fresh edit of the same values. */
export function retryRefusedEdit(seq: number, db: BatonDatabase = defaultDb): Promise<void> {
  return retryRejected(db, seq);
}
