import { db } from '../db/db';
import { cloudSpacesOnDevice, forgetSpaces, unsyncedEdits } from '../db/forget';
import { session } from './session.svelte';
import { isLocalSpace } from '../spaces/space-ids';
import { spaces } from './spaces.svelte';
import { syncStatus } from './sync-status.svelte';

/** What signing out would lose: per cloud space with edits the server does not have, how many. */
export interface SignOutCheck {
  spaceIds: string[];
  unsynced: { spaceId: string; name: string; count: number }[];
  total: number;
}

/** Looks at what this device holds of the account's cloud spaces before signing out (S25). */
export async function checkSignOut(): Promise<SignOutCheck> {
  const spaceIds = await cloudSpacesOnDevice(db, isLocalSpace);
  const counts = await unsyncedEdits(db, spaceIds);
  const unsynced = [...counts].map(([spaceId, count]) => ({ spaceId, name: spaces.nameOf(spaceId), count }));
  return { spaceIds, unsynced, total: unsynced.reduce((sum, space) => sum + space.count, 0) };
}

/**
 * Signs out and removes the account's cloud spaces from this device (S25): their items, edits,
 * sync state, upload state and offline file copies (Cache Storage). The device-only spaces stay.
 * The caller has checked {@link checkSignOut} and told the user what would be lost.
 */
export async function signOutPrivately(check: SignOutCheck): Promise<void> {
  // Stop syncing first, so no socket retries and no pull writes the space back.
  syncStatus.close();
  // If the server cannot be told (offline), this throws and nothing is deleted.
  await session.signOut();
  await forgetSpaces(db, check.spaceIds);
  if (typeof caches !== 'undefined') {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const path = new URL(request.url).pathname;
        if (check.spaceIds.some((id) => path.startsWith(`/api/spaces/${encodeURIComponent(id)}/`))) {
          await cache.delete(request);
        }
      }
    }
  }
  spaces.forgetCloud();
}
