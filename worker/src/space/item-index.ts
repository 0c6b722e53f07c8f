import { parentOf } from '#shared/sync/folders';
import type { ItemState } from '#shared/sync/item';
import { entryOf, shownName, type DavEntry } from './dav-entry';
import { belowBounds, belowClause } from './path-range';

/**
 * Schema step of the index of live items by folder and shown name (docs/spec/webdav.md, D11), so
 * that a request reads only the folders and items it names. `item_index` holds each live item's
 * entry (what WebDAV lists) under its folder and the key of its shown name; `item_folders` counts
 * the live items at or below each folder, so a folder made by its items exists while it holds one.
 * Both are written with the item, in the change log's transaction ({@link indexItem}); the rows of
 * spaces made before the index are filled once by {@link fillItemIndex}.
 */
export const ITEM_INDEX_SCHEMA_STEP =
  'CREATE TABLE item_index (id TEXT PRIMARY KEY, folder TEXT NOT NULL, name_key TEXT NOT NULL, entry TEXT NOT NULL);' +
  'CREATE INDEX item_index_place ON item_index (folder, name_key);' +
  'CREATE TABLE item_folders (path TEXT PRIMARY KEY, parent TEXT NOT NULL, items INTEGER NOT NULL);' +
  'CREATE INDEX item_folders_parent ON item_folders (parent);' +
  "INSERT INTO meta (key, value) VALUES ('item_index_filled', 'no')";

/** The key names are compared by: NFC, case-insensitive (as on Windows and macOS). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Counts one live item more (`delta` 1) or less (-1) in `folder` and every folder above it. */
function countIn(sql: SqlStorage, folder: string, delta: 1 | -1): void {
  for (let path = folder; path !== ''; path = parentOf(path)) {
    sql.exec(
      `INSERT INTO item_folders (path, parent, items) VALUES (?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET items = items + excluded.items`,
      path,
      parentOf(path),
      delta,
    );
    if (delta < 0) sql.exec('DELETE FROM item_folders WHERE path = ? AND items <= 0', path);
  }
}

/** Brings the index up to date with an item's new state; called wherever an item is stored. */
export function indexItem(sql: SqlStorage, item: ItemState): void {
  const before = sql
    .exec<{ folder: string }>('SELECT folder FROM item_index WHERE id = ?', item.id)
    .toArray()[0];
  const entry = entryOf(item);
  if (before && before.folder !== entry?.folder) countIn(sql, before.folder, -1);
  if (entry && before?.folder !== entry.folder) countIn(sql, entry.folder, 1);
  if (!entry) {
    if (before) sql.exec('DELETE FROM item_index WHERE id = ?', item.id);
    return;
  }
  sql.exec(
    'INSERT OR REPLACE INTO item_index (id, folder, name_key, entry) VALUES (?, ?, ?, ?)',
    item.id,
    entry.folder,
    nameKey(shownName(entry)),
    JSON.stringify(entry),
  );
}

/**
 * Fills the index from the stored items, once, for a space made before the index existed (its
 * schema step marks it unfilled). Runs in the caller's migration turn, before any request.
 */
export function fillItemIndex(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  const marker = sql
    .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'item_index_filled'")
    .toArray()[0];
  if (marker?.value !== 'no') return;
  storage.transactionSync(() => {
    for (const row of sql.exec<{ body: string }>('SELECT body FROM sync_items'))
      indexItem(sql, JSON.parse(row.body) as ItemState);
    sql.exec("UPDATE meta SET value = 'yes' WHERE key = 'item_index_filled'");
  });
}

const entries = (rows: Iterable<{ entry: string }>) =>
  [...rows].map((row) => JSON.parse(row.entry) as DavEntry);

/** Reads of the index: each costs what it names (one folder, one name, or one folder's subtree). */
export class ItemIndex {
  constructor(private readonly sql: SqlStorage) {}

  /** The live items directly in `folder`. */
  entriesIn(folder: string): DavEntry[] {
    return entries(this.sql.exec<{ entry: string }>('SELECT entry FROM item_index WHERE folder = ?', folder));
  }

  /** The live items in `folder` whose shown name has the key of `name`. */
  entriesNamed(folder: string, name: string): DavEntry[] {
    return entries(
      this.sql.exec<{ entry: string }>(
        'SELECT entry FROM item_index WHERE folder = ? AND name_key = ?',
        folder,
        nameKey(name),
      ),
    );
  }

  /** The live items at or below `path` (every item for the top folder). */
  entriesBelow(path: string): DavEntry[] {
    if (path === '') return entries(this.sql.exec<{ entry: string }>('SELECT entry FROM item_index'));
    return entries(
      this.sql.exec<{ entry: string }>(
        `SELECT entry FROM item_index WHERE folder = ? OR ${belowClause('folder')}`,
        path,
        ...belowBounds(path),
      ),
    );
  }

  /** Whether a live item is in `path` or below it. */
  holdsItems(path: string): boolean {
    return this.sql.exec('SELECT 1 FROM item_folders WHERE path = ?', path).toArray().length > 0;
  }

  /** The folders directly in `parent` that hold live items. */
  subfolders(parent: string): string[] {
    return this.sql
      .exec<{ path: string }>('SELECT path FROM item_folders WHERE parent = ?', parent)
      .toArray()
      .map((row) => row.path);
  }
}
