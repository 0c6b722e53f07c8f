import { compareStamps, Hlc } from '#shared/sync/hlc';
import type { BatonDatabase, SyncState } from './db';
import { stateOf } from './row-writes';

// Where this device stands with a space's sync (cursor, clock, last error), kept in one row per space.

/** This device's sync state for the space, created on first use. */
export function syncStateOf(db: BatonDatabase, spaceId: string): Promise<SyncState> {
  return db.transaction('rw', db.syncState, () => stateOf(db, spaceId));
}

/** Moves the stored clock past every stamp `observed` and keeps the server's time offset; call inside a transaction. */
export async function touchState(
  db: BatonDatabase,
  spaceId: string,
  serverTime: number,
  observed: string[],
  now: () => number,
  extra: Partial<SyncState>,
): Promise<void> {
  const state = await stateOf(db, spaceId);
  const hlc = new Hlc(state.clientId, () => 0, state.lastStamp);
  for (const stamp of observed) hlc.observe(stamp);
  const lastStamp =
    state.lastStamp && compareStamps(state.lastStamp, hlc.last()) >= 0 ? state.lastStamp : hlc.last();
  await db.syncState.update(spaceId, { lastStamp, clockOffsetMs: serverTime - now(), ...extra });
}

/** Records why the last sync attempt failed (shown to the user), or clears it. */
export async function recordSyncError(
  db: BatonDatabase,
  spaceId: string,
  error: { code: string; message: string } | null,
  now: () => number = Date.now,
): Promise<void> {
  await db.transaction('rw', db.syncState, async () => {
    await stateOf(db, spaceId);
    await db.syncState.update(spaceId, { lastError: error ? { ...error, at: now() } : null });
  });
}
