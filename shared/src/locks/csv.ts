import type { LockHistoryEntry } from './schemas';

/** Column order of the history CSV export (rule L10). */
export const LOCK_HISTORY_CSV_COLUMNS = [
  'seq',
  'at',
  'kind',
  'token',
  'request_id',
  'user_id',
  'username',
  'detail',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field that a
 * spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`,
 * since usernames and reasons are user input.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A lock's history as CSV with a header row, CRLF line ends, times in ISO 8601 UTC. */
export function lockHistoryToCsv(entries: readonly LockHistoryEntry[]): string {
  const rows = [LOCK_HISTORY_CSV_COLUMNS.join(',')];
  for (const e of entries) {
    rows.push(
      [e.seq, new Date(e.at).toISOString(), e.kind, e.token, e.requestId, e.userId, e.username, e.detail]
        .map(csvField)
        .join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}
