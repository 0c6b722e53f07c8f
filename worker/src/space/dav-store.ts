import type { ItemState } from '#shared/sync/item';
import { belowBounds, belowClause } from './path-range';

/**
 * Schema step of what only the WebDAV front keeps (docs/spec/webdav.md): folders that hold no
 * item yet (made with MKCOL; a folder with items exists through their `folder` field), and dead
 * properties set with PROPPATCH, per item id or per `folder:<path>`.
 */
export const DAV_SCHEMA_STEP =
  'CREATE TABLE dav_folders (path TEXT PRIMARY KEY, created_at INTEGER NOT NULL);' +
  'CREATE TABLE dav_props (target TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (target, name))';

/** A change of the WebDAV front's own tables that goes with a WebDAV edit, in its transaction. */
export type DavTreeChange =
  | { op: 'addFolder'; path: string }
  | { op: 'removeFolders'; path: string }
  | { op: 'copyFolders'; from: string; to: string }
  | { op: 'moveFolders'; from: string; to: string }
  | { op: 'copyProps'; from: string; to: string }
  | { op: 'dropProps'; target: string };

/** The WebDAV front's reads and its own small tables, over the SpaceObject's SQLite. */
export class DavStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  apply(change: DavTreeChange): void {
    switch (change.op) {
      case 'addFolder':
        return this.addFolder(change.path);
      case 'removeFolders':
        return this.removeFolders(change.path);
      case 'copyFolders':
        return this.copyFolders(change.from, change.to);
      case 'moveFolders':
        return this.moveFolders(change.from, change.to);
      case 'copyProps':
        return this.copyProps(change.from, change.to);
      case 'dropProps':
        return this.dropProps(change.target);
    }
  }

  /** Whether `path` was made as a folder (MKCOL) and is still kept. */
  hasFolder(path: string): boolean {
    return this.sql.exec('SELECT 1 FROM dav_folders WHERE path = ?', path).toArray().length > 0;
  }

  /** The kept folders below `path` (all of them for the top folder), by a range of the index. */
  foldersBelow(path: string): string[] {
    const rows =
      path === ''
        ? this.sql.exec<{ path: string }>('SELECT path FROM dav_folders')
        : this.sql.exec<{ path: string }>(
            `SELECT path FROM dav_folders WHERE ${belowClause('path')}`,
            ...belowBounds(path),
          );
    return rows.toArray().map((row) => row.path);
  }

  /** One item's full state (for a GET of a note or record), or null. */
  item(itemId: string): ItemState | null {
    const row = this.sql
      .exec<{ body: string }>('SELECT body FROM sync_items WHERE id = ?', itemId)
      .toArray()[0];
    return row ? (JSON.parse(row.body) as ItemState) : null;
  }

  addFolder(path: string): void {
    this.sql.exec('INSERT OR IGNORE INTO dav_folders (path, created_at) VALUES (?, ?)', path, this.now());
  }

  /** Removes the folder `path` and every folder below it. */
  removeFolders(path: string): void {
    this.sql.exec(
      `DELETE FROM dav_folders WHERE path = ? OR ${belowClause('path')}`,
      path,
      ...belowBounds(path),
    );
    this.sql.exec(
      `DELETE FROM dav_props WHERE target = ? OR ${belowClause('target')}`,
      `folder:${path}`,
      ...belowBounds(`folder:${path}`),
    );
  }

  /** Copies the empty folders at and below `from` to below `to` (COPY of a folder). */
  copyFolders(from: string, to: string): void {
    this.addFolder(to);
    for (const { path } of this.sql
      .exec<{ path: string }>(
        `SELECT path FROM dav_folders WHERE ${belowClause('path')}`,
        ...belowBounds(from),
      )
      .toArray())
      this.addFolder(`${to}${path.slice(from.length)}`);
  }

  /** Renames the folder `from` (and those below it) to `to`, with their dead properties. */
  moveFolders(from: string, to: string): void {
    const rename = (value: string, prefix: string) =>
      (value === from ? to : `${to}${value.slice(from.length)}`) + prefix;
    for (const { path } of this.sql
      .exec<{ path: string }>(
        `SELECT path FROM dav_folders WHERE path = ? OR ${belowClause('path')}`,
        from,
        ...belowBounds(from),
      )
      .toArray()) {
      this.sql.exec('DELETE FROM dav_folders WHERE path = ?', path);
      this.addFolder(rename(path, ''));
    }
    for (const { target, name, value } of this.sql
      .exec<{ target: string; name: string; value: string }>(
        `SELECT target, name, value FROM dav_props WHERE target = ? OR ${belowClause('target')}`,
        `folder:${from}`,
        ...belowBounds(`folder:${from}`),
      )
      .toArray()) {
      this.sql.exec('DELETE FROM dav_props WHERE target = ? AND name = ?', target, name);
      this.setProp(`folder:${rename(target.slice('folder:'.length), '')}`, name, value);
    }
  }

  /** The dead properties of a target (an item id or `folder:<path>`), by Clark name. */
  props(target: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const row of this.sql.exec<{ name: string; value: string }>(
      'SELECT name, value FROM dav_props WHERE target = ?',
      target,
    ))
      out[row.name] = row.value;
    return out;
  }

  /** The dead properties of the named targets (a folder listing's children), by target. */
  propsOf(targets: readonly string[]): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    if (targets.length === 0) return out;
    for (const row of this.sql.exec<{ target: string; name: string; value: string }>(
      'SELECT target, name, value FROM dav_props WHERE target IN (SELECT value FROM json_each(?))',
      JSON.stringify(targets),
    ))
      (out[row.target] ??= {})[row.name] = row.value;
    return out;
  }

  /** Applies a PROPPATCH all or nothing: `set` values are XML fragments, `remove` names. */
  patchProps(target: string, set: Record<string, string>, remove: string[]): void {
    for (const [name, value] of Object.entries(set)) this.setProp(target, name, value);
    for (const name of remove)
      this.sql.exec('DELETE FROM dav_props WHERE target = ? AND name = ?', target, name);
  }

  /** Copies a target's dead properties onto another (COPY). */
  copyProps(from: string, to: string): void {
    this.sql.exec('DELETE FROM dav_props WHERE target = ?', to);
    for (const [name, value] of Object.entries(this.props(from))) this.setProp(to, name, value);
  }

  dropProps(target: string): void {
    this.sql.exec('DELETE FROM dav_props WHERE target = ?', target);
  }

  private setProp(target: string, name: string, value: string): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO dav_props (target, name, value) VALUES (?, ?, ?)',
      target,
      name,
      value,
    );
  }
}
