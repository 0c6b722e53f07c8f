import { csvField, LOCK_HISTORY_CSV_COLUMNS } from '#shared/locks/csv';
import type { LockHistoryEntry } from '#shared/locks/schemas';

/** A history entry with the name of its lock, for the space-wide history. */
export type SpaceLockHistoryEntry = LockHistoryEntry & { lock: string };

/**
 * The space's lock history as CSV (RFC 4180, CRLF, ISO 8601 UTC times): a `lock` column, then the
 * columns of one lock's history (shared/src/locks/csv.ts), oldest first.
 */
export function spaceLockHistoryToCsv(entries: readonly SpaceLockHistoryEntry[]): string {
  const rows = [['lock', ...LOCK_HISTORY_CSV_COLUMNS].join(',')];
  const ordered = [...entries].sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const e of ordered) {
    rows.push(
      [
        e.lock,
        e.seq,
        new Date(e.at).toISOString(),
        e.kind,
        e.token,
        e.requestId,
        e.userId,
        e.username,
        e.detail,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}
