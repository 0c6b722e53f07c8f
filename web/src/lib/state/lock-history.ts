import { spaceLockHistoryToCsv } from '#shared/locks/csv';
import type { SpaceLockHistoryEntry } from '#shared/locks/schemas';
import { fetchSpaceLockHistory } from '../api/lock-history';

/** The history of every lock of the space (L10), newest first, each entry with its lock's name. */
export async function lockHistory(spaceId: string): Promise<SpaceLockHistoryEntry[]> {
  return (await fetchSpaceLockHistory(spaceId)).entries.reverse();
}

/** The space's lock history as CSV, oldest first (shared/src/locks/csv.ts, as the API's `?format=csv`). */
export async function lockHistoryCsv(spaceId: string): Promise<string> {
  return spaceLockHistoryToCsv((await fetchSpaceLockHistory(spaceId)).entries);
}
