import type { HistoryField } from '#shared/history/protocol';
import { DELETED_FIELD, type JsonValue } from '#shared/sync/item';
import { FOLDER_FIELD } from '#shared/sync/folders';
import { formatBytes } from '#shared/blobs/quota';

// How the History screen words fields and values (V1, V2): names people gave, never raw keys.

const RECORD_PREFIX = 'r:';

/** The fields a note compares as text (V4). */
export const TEXT_FIELDS = ['title', 'body'] as const;

/** A field's name as people read it. */
export function fieldName(field: string): string {
  if (field.startsWith(RECORD_PREFIX)) return field.slice(RECORD_PREFIX.length);
  if (field === DELETED_FIELD) return 'deleted';
  if (field === 'sha256') return 'content';
  return field;
}

/** A value as one short line: a record field's `{ t, v }` shows its value; null is "(none)". */
export function valueText(field: string, value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '(none)';
  if (field === 'size' && typeof value === 'number') return formatBytes(value);
  if (field === 'sha256' && typeof value === 'string') return `file ${value.slice(0, 8)}…`;
  if (typeof value === 'object' && !Array.isArray(value) && 'v' in value) return valueText('', value['v']);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  return JSON.stringify(value);
}

/** What an edit did to the fields that are not compared as text, in words ("Moved to “Plans”"). */
export function changeWords(fields: readonly HistoryField[]): string[] {
  const words: string[] = [];
  for (const { field, value } of fields) {
    if (field === DELETED_FIELD) words.push(value === true ? 'Deleted' : 'Brought back');
    else if (field === FOLDER_FIELD)
      words.push(
        typeof value === 'string' && value !== '' ? `Moved to “${value}”` : 'Moved to the top folder',
      );
  }
  return words;
}
