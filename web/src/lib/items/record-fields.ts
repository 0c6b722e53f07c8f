import type { ItemState, JsonValue } from '#shared/sync/item';
import { FIELD, RECORD_FIELD_PREFIX } from './item-view';

/** The kinds of value a record field holds. */
export const RECORD_FIELD_TYPE = {
  text: 'text',
  number: 'number',
  date: 'date',
  boolean: 'boolean',
} as const;

/** One of {@link RECORD_FIELD_TYPE}. */
export type RecordFieldType = (typeof RECORD_FIELD_TYPE)[keyof typeof RECORD_FIELD_TYPE];

/** What the editor calls each type. */
export const RECORD_FIELD_LABEL: Record<RecordFieldType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes/no',
};

/** A record field as the editor shows it. Dates are `YYYY-MM-DD` strings. */
export type RecordField =
  | { name: string; type: 'text'; value: string }
  | { name: string; type: 'number'; value: number | null }
  | { name: string; type: 'date'; value: string }
  | { name: string; type: 'boolean'; value: boolean };

function toField(name: string, raw: JsonValue | undefined): RecordField | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const type = raw['t'];
  const value = raw['v'];
  if (typeof type !== 'string') return null;
  switch (type) {
    case 'text':
      return { name, type, value: typeof value === 'string' ? value : '' };
    case 'number':
      return { name, type, value: typeof value === 'number' ? value : null };
    case 'date':
      return { name, type, value: typeof value === 'string' ? value : '' };
    case 'boolean':
      return { name, type, value: value === true };
    default:
      return null;
  }
}

/** The stored form of a record field: `{ t: type, v: value }`; `null` removes the field. */
export function fieldValue(field: RecordField): JsonValue {
  return { t: field.type, v: field.value };
}

/**
 * A record's fields in the order the user arranged them (the `order` field); fields written by
 * someone whose order was not merged yet come after, by name.
 */
export function recordFields(item: ItemState): RecordField[] {
  const present = new Map<string, RecordField>();
  for (const [key, entry] of Object.entries(item.fields)) {
    if (!key.startsWith(RECORD_FIELD_PREFIX)) continue;
    const field = toField(key.slice(RECORD_FIELD_PREFIX.length), entry.v);
    if (field) present.set(field.name, field);
  }
  const order = item.fields[FIELD.order]?.v;
  const names = Array.isArray(order) ? order.filter((name): name is string => typeof name === 'string') : [];
  const out: RecordField[] = [];
  for (const name of names) {
    const field = present.get(name);
    if (field) {
      out.push(field);
      present.delete(name);
    }
  }
  return out.concat([...present.values()].sort((a, b) => (a.name < b.name ? -1 : 1)));
}

/** The empty value of a new field of `type`. */
export function emptyField(name: string, type: RecordFieldType): RecordField {
  switch (type) {
    case 'text':
      return { name, type, value: '' };
    case 'number':
      return { name, type, value: null };
    case 'date':
      return { name, type, value: '' };
    case 'boolean':
      return { name, type, value: false };
  }
}
