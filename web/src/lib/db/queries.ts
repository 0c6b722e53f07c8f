import Dexie from 'dexie';
import type { BatonDatabase, LocalItem, OutboxEntry, SyncState } from './db';

// Read-only queries for the UI and the sync engine. Wrap them in `LiveQuery` (./live.svelte.ts)
// to follow changes made in any tab.

/** Every item of a space (live, deleted and conflict copies), newest first. */
export function itemsOfSpace(db: BatonDatabase, spaceId: string): Promise<LocalItem[]> {
  return db.items
    .where('[spaceId+updatedAt]')
    .between([spaceId, Dexie.minKey], [spaceId, Dexie.maxKey])
    .reverse()
    .toArray();
}

/** One item, or undefined. */
export function itemOf(db: BatonDatabase, spaceId: string, itemId: string): Promise<LocalItem | undefined> {
  return db.items.get([spaceId, itemId]);
}

/** The conflict copies of a space (S6), newest first; `of` narrows them to one item's copies. */
export async function conflictsOfSpace(
  db: BatonDatabase,
  spaceId: string,
  of?: string,
): Promise<LocalItem[]> {
  const range =
    of === undefined
      ? db.items.where('[spaceId+conflictOf]').between([spaceId, Dexie.minKey], [spaceId, Dexie.maxKey])
      : db.items.where('[spaceId+conflictOf]').equals([spaceId, of]);
  const copies = await range.toArray();
  return copies.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** How many edits of the space wait to go up. */
export function pendingCount(db: BatonDatabase, spaceId: string): Promise<number> {
  return db.outbox.where('[spaceId+state]').equals([spaceId, 'pending']).count();
}

/** Edits the server refused, with the reason, oldest first. */
export function rejectedEdits(db: BatonDatabase, spaceId: string): Promise<OutboxEntry[]> {
  return db.outbox.where('[spaceId+state]').equals([spaceId, 'rejected']).sortBy('seq');
}

/** This device's sync state for the space (cursor, last synced, last error), if it ever synced. */
export function syncStateFor(db: BatonDatabase, spaceId: string): Promise<SyncState | undefined> {
  return db.syncState.get(spaceId);
}
