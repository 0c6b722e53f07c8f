import type { BatonDatabase } from './db';

// Sign-out is private (S25): what a signed-in person's cloud spaces left on this device goes.

/** The cloud spaces this device holds data of: every space with a sync state, or items, not local-only. */
export async function cloudSpacesOnDevice(
  db: BatonDatabase,
  isLocal: (spaceId: string) => boolean,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const state of await db.syncState.toArray()) ids.add(state.spaceId);
  for (const key of await db.items.orderBy('[spaceId+updatedAt]').uniqueKeys()) {
    if (Array.isArray(key) && typeof key[0] === 'string') ids.add(key[0]);
  }
  return [...ids].filter((id) => !isLocal(id));
}

/** Edits of these spaces that the server does not have yet (waiting or refused). */
export async function unsyncedEdits(
  db: BatonDatabase,
  spaceIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const spaceId of spaceIds) {
    const count = await db.outbox.where('[spaceId+seq]').between([spaceId, 0], [spaceId, Infinity]).count();
    if (count > 0) out.set(spaceId, count);
  }
  return out;
}

/** Deletes everything of these spaces from IndexedDB, in one transaction. */
export async function forgetSpaces(db: BatonDatabase, spaceIds: readonly string[]): Promise<void> {
  await db.transaction(
    'rw',
    [db.items, db.outbox, db.syncState, db.blobUploads, db.pinnedBlobs],
    async () => {
      for (const spaceId of spaceIds) {
        await db.items
          .where('[spaceId+updatedAt]')
          .between([spaceId, -Infinity], [spaceId, Infinity])
          .delete();
        await db.outbox.where('[spaceId+seq]').between([spaceId, 0], [spaceId, Infinity]).delete();
        await db.syncState.delete(spaceId);
        await db.blobUploads.where('spaceId').equals(spaceId).delete();
        await db.pinnedBlobs.where('spaceId').equals(spaceId).delete();
      }
    },
  );
}
