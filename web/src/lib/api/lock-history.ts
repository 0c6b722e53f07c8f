import { LockHistoryResponseSchema, type LockHistoryEntry } from '#shared/locks/schemas';
import { apiFetch } from './http';

const PAGE = 1000;
const MAX_ENTRIES = 20_000;

/** A lock's whole history (rule L10), page by page, oldest first. */
export async function fetchLockHistory(spaceId: string, name: string): Promise<LockHistoryEntry[]> {
  const entries: LockHistoryEntry[] = [];
  let after = 0;
  while (entries.length < MAX_ENTRIES) {
    const page = await apiFetch(
      `/api/spaces/${encodeURIComponent(spaceId)}/locks/${encodeURIComponent(name)}/history?after=${after}&limit=${PAGE}`,
      LockHistoryResponseSchema,
    );
    entries.push(...page.entries);
    if (page.next === null) break;
    after = page.next;
  }
  return entries;
}
