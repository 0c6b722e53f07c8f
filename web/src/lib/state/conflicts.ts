import { DELETED_FIELD, isDeleted, type ItemState, type JsonValue } from '#shared/sync/item';
import { diffLines, type LineDiff } from '#shared/sync/text-merge';
import { db } from '../db/db';
import { IMPORTED_CONFLICT_FIELDS } from '../db/imported-conflict';
import { conflictsOfSpace } from '../db/queries';
import { itemStateOf } from '../db/rows';
import { createItem, dismissConflictCopy, editItem, restoreConflictCopy } from '../sync/edits';
import { FIELD, RECORD_FIELD_PREFIX } from '../items/item-view';

/** A conflict copy and the item it is a copy of, as the conflicts screen compares them. */
export interface ConflictPair {
  copy: ItemState;
  current: ItemState | null;
}

/** The open (not dismissed) conflict copies of a space, newest first, each with its current item. */
export async function openConflicts(spaceId: string): Promise<ConflictPair[]> {
  const copies = (await conflictsOfSpace(db, spaceId)).map(itemStateOf).filter((copy) => !isDeleted(copy));
  const originals = await db.items.bulkGet(
    copies.map((copy) => [spaceId, copy.conflict?.of ?? ''] as [string, string]),
  );
  return copies.map((copy, index) => {
    const row = originals[index];
    return { copy, current: row ? itemStateOf(row) : null };
  });
}

/** One line of the side-by-side comparison. */
export interface FieldDiff {
  /** The stored field name. */
  name: string;
  label: string;
  copy: string;
  current: string;
  differs: boolean;
  /** For text that differs: its lines in order, marked by the version they are in (S23). */
  lines: LineDiff[] | null;
  /** For text that differs: every line of both versions, in order (the "both" choice). */
  both: string | null;
}

function show(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value) && 'v' in value) return show(value['v']);
  return JSON.stringify(value);
}

function label(name: string): string {
  if (name.startsWith(RECORD_FIELD_PREFIX)) return name.slice(RECORD_FIELD_PREFIX.length);
  if (name === DELETED_FIELD) return 'Deleted';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The fields of both versions, title first, then body, then the rest by name. */
export function compareFields(pair: ConflictPair): FieldDiff[] {
  const names = new Set([...Object.keys(pair.copy.fields), ...Object.keys(pair.current?.fields ?? {})]);
  names.delete(FIELD.order);
  for (const name of IMPORTED_CONFLICT_FIELDS) names.delete(name);
  const rank = (name: string): string =>
    name === FIELD.title ? '0' : name === FIELD.body ? '1' : `2${name}`;
  return [...names]
    .sort((a, b) => (rank(a) < rank(b) ? -1 : 1))
    .map((name) => {
      const copy = show(pair.copy.fields[name]?.v);
      const current = show(pair.current?.fields[name]?.v);
      const differs = copy !== current;
      const text = differs && typeof pair.copy.fields[name]?.v === 'string' && pair.current !== null;
      const lines = text ? diffLines(copy, current) : null;
      const both = lines ? lines.map((line) => line.text).join('\n') : null;
      return { name, label: label(name), copy, current, differs, lines, both };
    })
    .filter((diff) => diff.label !== 'Deleted' || diff.differs);
}

/** Keeps the conflict copy: its values become the item's, and the copy goes away. */
export function keepCopy(spaceId: string, copyId: string): Promise<void> {
  return restoreConflictCopy(spaceId, copyId);
}

/** Keeps the current version: the copy is dismissed everywhere. */
export function keepCurrent(spaceId: string, copyId: string): Promise<void> {
  return dismissConflictCopy(spaceId, copyId);
}

/** Which version of a field the user keeps: the current one, the copy's, or every line of both. */
export type FieldChoice = 'current' | 'copy' | 'both';

/**
 * Keeps, field by field, what the user chose (S23): only the fields taken from the copy (or
 * from both) are written onto the item, so the other fields keep their current values; then
 * the copy goes away.
 */
export async function keepChoices(
  spaceId: string,
  pair: ConflictPair,
  choices: Record<string, FieldChoice>,
): Promise<void> {
  const values: Record<string, JsonValue> = {};
  for (const diff of compareFields(pair)) {
    const choice = choices[diff.name] ?? 'current';
    if (!diff.differs || choice === 'current') continue;
    values[diff.name] =
      choice === 'both' && diff.both !== null ? diff.both : (pair.copy.fields[diff.name]?.v ?? null);
  }
  const of = pair.copy.conflict?.of;
  if (of && Object.keys(values).length > 0) {
    await editItem(spaceId, of, { ...values, [DELETED_FIELD]: false }, { kind: pair.copy.kind });
  }
  await dismissConflictCopy(spaceId, pair.copy.id);
}

/** Keeps both versions as separate items: the copy becomes an ordinary item of its own. */
export async function keepBoth(spaceId: string, pair: ConflictPair): Promise<string> {
  const values: Record<string, JsonValue> = {};
  for (const [name, entry] of Object.entries(pair.copy.fields)) {
    if (name !== DELETED_FIELD && !IMPORTED_CONFLICT_FIELDS.includes(name)) values[name] = entry.v;
  }
  const title = values[FIELD.title];
  values[FIELD.title] = `${typeof title === 'string' && title ? title : 'Untitled'} (other version)`;
  const id = await createItem(spaceId, pair.copy.kind, values);
  await dismissConflictCopy(spaceId, pair.copy.id);
  return id;
}
