import { stampWall } from '#shared/sync/hlc';
import { newestStamp, type ItemState } from '#shared/sync/item';
import type { BatonDatabase } from './db';
import type { LocalItem, SyncState } from './tables';
import { importedConflict } from './imported-conflict';

// The rows of the device's database and the item states they hold: one home for the helpers
// every module of db/ uses, so none of them imports another for these.

/** A random url-safe id (128 bits): item ids, mutation ids, client ids. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * The item as the shared merge sees it (without the local bookkeeping). A copy brought in by an
 * import (S18) carries its label in fields; a row stored before the label was read back gets it here.
 */
export function itemStateOf(row: LocalItem): ItemState {
  const item: ItemState = { id: row.id, kind: row.kind, fields: row.fields };
  const conflict = row.conflict ?? importedConflict(row);
  if (conflict) item.conflict = conflict;
  return item;
}

/** The item as screens see it: its state, and how each text moved from one stored version to the next, for an open editor (S39). */
export function itemWithMovesOf(row: LocalItem): ItemState & Pick<LocalItem, 'moves'> {
  const item: ItemState & Pick<LocalItem, 'moves'> = itemStateOf(row);
  if (row.moves) item.moves = row.moves;
  return item;
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
