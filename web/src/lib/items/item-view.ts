import { stampWall } from '#shared/sync/stamps';
import type { ItemState } from '#shared/sync/item';
import { DELETED_FIELD, isDeleted, newestStamp, type ItemKind } from '#shared/sync/item-state';

/** How the UI sees an item: its title, kind, whether it is deleted, and when it last changed. */
export interface ItemView {
  id: string;
  kind: ItemKind;
  title: string;
  deleted: boolean;
  /** When the tombstone was written (ms), for deleted items. */
  deletedAt: number | null;
  updatedAt: number;
  /** The item this is a conflict copy of, if it is one. */
  conflictOf: string | null;
  item: ItemState;
}

/** The field names the app gives meaning to; record fields live under {@link RECORD_FIELD_PREFIX}. */
export const FIELD = {
  title: 'title',
  body: 'body',
  name: 'name',
  size: 'size',
  type: 'type',
  order: 'order',
} as const;

/** Record fields are stored one item field each (`r:<name>`), so two people editing different fields both win. */
export const RECORD_FIELD_PREFIX = 'r:';

function text(item: ItemState, field: string): string {
  const value = item.fields[field]?.v;
  return typeof value === 'string' ? value : '';
}

/** The UI's view of an item. */
export function toView(item: ItemState): ItemView {
  const deleted = isDeleted(item);
  const stamp = newestStamp(item);
  const tombstone = item.fields[DELETED_FIELD];
  const title = text(item, FIELD.title) || text(item, FIELD.name) || `Untitled ${item.kind}`;
  return {
    id: item.id,
    kind: item.kind,
    title,
    deleted,
    deletedAt: deleted && tombstone ? stampWall(tombstone.s) : null,
    updatedAt: stamp ? stampWall(stamp) : 0,
    conflictOf: item.conflict?.of ?? null,
    item,
  };
}

/** What the space view shows: live items or the trash, one kind or all, matching a search. */
export interface ItemFilter {
  query: string;
  kind: ItemKind | 'all';
  show: 'live' | 'deleted';
}

/** Deleted items stay restorable this long; after it the trash no longer lists them. */
export const TRASH_KEEP_MS = 30 * 24 * 3_600_000;

/** A record field's value as words to search: strings, numbers and dates, in typed wrappers too. */
function valueText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (Array.isArray(value)) return value.map(valueText).join(' ');
  if (value !== null && typeof value === 'object') return Object.values(value).map(valueText).join(' ');
  return '';
}

function searchText(view: ItemView): string {
  const body = text(view.item, FIELD.body);
  // Records are found by their values too (a customer's name, a date), not only by title.
  const values = Object.entries(view.item.fields)
    .filter(([name]) => name.startsWith(RECORD_FIELD_PREFIX))
    .map(([, entry]) => valueText(entry.v));
  return [view.title, body, ...values].join('\n').toLowerCase();
}

/** The words of a search, lower case; none for an empty search. */
export function queryWords(query: string): string[] {
  const trimmed = query.trim().toLowerCase();
  return trimmed ? trimmed.split(/\s+/) : [];
}

/** True when every word is in the item's title, body or record values. */
export function matchesWords(view: ItemView, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const haystack = searchText(view);
  return words.every((word) => haystack.includes(word));
}

/**
 * Filters and sorts (newest first) the items for the space view. Conflict copies are listed on
 * the conflicts screen, not here.
 */
export function filterItems(views: readonly ItemView[], filter: ItemFilter, now: number): ItemView[] {
  const words = queryWords(filter.query);
  const out = views.filter((view) => {
    if (view.conflictOf !== null) return false;
    if (
      filter.show === 'live' ? view.deleted : !view.deleted || now - (view.deletedAt ?? 0) > TRASH_KEEP_MS
    ) {
      return false;
    }
    if (filter.kind !== 'all' && view.kind !== filter.kind) return false;
    return matchesWords(view, words);
  });
  return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
}
