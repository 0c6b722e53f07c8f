import { stampWall } from '#shared/sync/hlc';
import { newestStamp, type ItemState } from '#shared/sync/item';
import type { BatonDatabase } from './db';
import { importedConflict } from './imported-conflict';
import type { LocalItem, SyncState } from './tables';

// Rows as the sync engine and the edit path write them: one home for the helpers every writer in
// db/ uses, so none of them imports another for these.

/** A random url-safe id (128 bits): item ids, mutation ids, client ids. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The stored row of an item state. */
export function toRow(spaceId: string, item: ItemState): LocalItem {
  const newest = newestStamp(item);
  const row: LocalItem = { ...item, spaceId, updatedAt: newest ? stampWall(newest) : 0 };
  const conflict = item.conflict ?? importedConflict(item); // an imported copy keeps its label (S18)
  if (conflict) {
    row.conflict = conflict;
    row.conflictOf = conflict.of;
  }
  return row;
}

/** This device's sync state for the space, created on first use; call inside a transaction. */
export async function stateOf(db: BatonDatabase, spaceId: string): Promise<SyncState> {
  const existing = await db.syncState.get(spaceId);
  if (existing) return existing;
  const fresh: SyncState = {
    spaceId,
    clientId: randomId(),
    after: 0,
    lastStamp: null,
    clockOffsetMs: 0,
    lastSyncedAt: null,
    lastError: null,
  };
  await db.syncState.add(fresh);
  return fresh;
}
