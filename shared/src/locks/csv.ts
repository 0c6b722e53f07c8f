import type { LockHistoryEntry, SpaceLockHistoryEntry } from './schemas';

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
  // Appended last so that readers of the earlier columns keep working (L20).
  'via',
] as const;

/**
 * What a spreadsheet may run as a formula (rule L12): a leading `=`, `+`, `-`, `@` or their
 * full-width forms (`＝ ＋ － ＠`, which some spreadsheets fold to ASCII), also behind leading
 * whitespace (spreadsheets trim it), or a leading tab or CR.
 */
const FORMULA_START = /^(?:[\s\u200b\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r])/u;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field that a
 * spreadsheet would run as a formula ({@link FORMULA_START}) gets a leading `'`, since
 * usernames, reasons and record fields are user input. Every CSV writer of the tree uses this.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The fields of one history entry, in the order of {@link LOCK_HISTORY_CSV_COLUMNS}. */
function entryFields(e: LockHistoryEntry): (string | number | null)[] {
  return [
    e.seq,
    new Date(e.at).toISOString(),
    e.kind,
    e.token,
    e.requestId,
    e.userId,
    e.username,
    e.detail,
    e.via,
  ];
}

/** A lock's history as CSV with a header row, CRLF line ends, times in ISO 8601 UTC. */
export function lockHistoryToCsv(entries: readonly LockHistoryEntry[]): string {
  const rows = [LOCK_HISTORY_CSV_COLUMNS.join(',')];
  for (const e of entries) rows.push(entryFields(e).map(csvField).join(','));
  return rows.join('\r\n') + '\r\n';
}

/** Orders a space's history: by time, then lock name, then the lock's own sequence. */
export function compareSpaceLockHistory(a: SpaceLockHistoryEntry, b: SpaceLockHistoryEntry): number {
  return a.at - b.at || (a.lock < b.lock ? -1 : a.lock > b.lock ? 1 : 0) || a.seq - b.seq;
}

/**
 * A space's lock history as CSV (same format as {@link lockHistoryToCsv}): a `lock` column, then
 * the columns of one lock's history, oldest first.
 */
export function spaceLockHistoryToCsv(entries: readonly SpaceLockHistoryEntry[]): string {
  const rows = [['lock', ...LOCK_HISTORY_CSV_COLUMNS].join(',')];
  for (const e of [...entries].sort(compareSpaceLockHistory)) {
    rows.push([e.lock, ...entryFields(e)].map(csvField).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}
