import { csvField } from '#shared/locks/csv';
import { isDeleted, type ItemState } from '#shared/sync/item';
import { recordFields, type RecordField } from '../items/record-fields';
import { FIELD } from '../items/item-view';

/** One CSV file: the records that share one shape (the same field names and types, in order). */
export interface CsvFile {
  name: string;
  csv: string;
}

function shapeOf(fields: readonly RecordField[]): string {
  return fields.map((field) => `${field.name}:${field.type}`).join('\u0000');
}

function cell(field: RecordField): string | number | null {
  if (field.type === 'boolean') return field.value ? 'true' : 'false';
  return field.value;
}

function fileName(index: number, fields: readonly RecordField[]): string {
  const slug = fields
    .map((field) => field.name)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `records-${index + 1}${slug ? '-' + slug : ''}.csv`;
}

/**
 * The live (not deleted) records as CSV, one file per record shape, RFC 4180: comma-separated,
 * CRLF line ends, fields quoted when they hold a comma, quote or line break. Columns: id, title,
 * then the record's fields; the header row names them (`name (type)`).
 */
export function recordsToCsv(items: readonly ItemState[]): CsvFile[] {
  const groups = new Map<string, { fields: RecordField[]; rows: string[] }>();
  const records = items
    .filter((item) => item.kind === 'record' && !isDeleted(item) && !item.conflict)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const item of records) {
    const fields = recordFields(item);
    const shape = shapeOf(fields);
    let group = groups.get(shape);
    if (!group) {
      const header = ['id', 'title', ...fields.map((field) => `${field.name} (${field.type})`)];
      group = { fields, rows: [header.map(csvField).join(',')] };
      groups.set(shape, group);
    }
    const title = item.fields[FIELD.title]?.v;
    const row = [item.id, typeof title === 'string' ? title : '', ...fields.map(cell)];
    group.rows.push(row.map(csvField).join(','));
  }
  return [...groups.values()].map((group, index) => ({
    name: fileName(index, group.fields),
    csv: group.rows.join('\r\n') + '\r\n',
  }));
}
