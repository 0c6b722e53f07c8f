import { DELETED_FIELD, isDeleted, type ItemState, type JsonValue } from '#shared/sync/item';
import { db } from '../db/db';
import { IMPORTED_CONFLICT_FIELDS } from '../db/imported-conflict';
import { conflictsOfSpace } from '../db/queries';
import { itemStateOf } from '../db/sync-store';
import { dismissConflictCopy, restoreConflictCopy } from '../sync/edits';
import { FIELD, RECORD_FIELD_PREFIX } from './item-view';

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
  label: string;
  copy: string;
  current: string;
  differs: boolean;
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
      return { label: label(name), copy, current, differs: copy !== current };
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
