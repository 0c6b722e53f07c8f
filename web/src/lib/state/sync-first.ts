import { db } from '../db/db';
import { syncStateFor } from '../db/queries';
import { syncStatus } from './sync-status.svelte';

/** How long taking a lock waits for this device to catch up before saying so (L32). */
const CATCH_UP_MS = 15_000;

/** How far this device has pulled the space: the number the server compares the item's version with (L32). */
export async function pulledSeq(spaceId: string): Promise<number> {
  return (await syncStateFor(db, spaceId))?.after ?? 0;
}

/** Syncs the space and waits until this device has pulled up to `version`; answers whether it did in time. */
export async function syncedTo(spaceId: string, version: number): Promise<boolean> {
  const deadline = Date.now() + CATCH_UP_MS;
  if (syncStatus.spaceId === spaceId) void syncStatus.syncNow().catch(() => undefined);
  while (Date.now() < deadline) {
    if ((await pulledSeq(spaceId)) >= version) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** "Sync first: 3 changes you do not have yet" (L32). */
export function syncFirstText(changes: number): string {
  return `Sync first: ${changes === 1 ? '1 change' : `${changes} changes`} you do not have yet.`;
}
