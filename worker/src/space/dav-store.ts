import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import { stampWall } from '#shared/sync/hlc';
import { FILE_BLOB_FIELD, isDeleted, newestStamp, type ItemState } from '#shared/sync/item';

/**
 * Schema step of what only the WebDAV front keeps (docs/spec/webdav.md): folders that hold no
 * item yet (made with MKCOL; a folder with items exists through their `folder` field), and dead
 * properties set with PROPPATCH, per item id or per `folder:<path>`.
 */
export const DAV_SCHEMA_STEP =
  'CREATE TABLE dav_folders (path TEXT PRIMARY KEY, created_at INTEGER NOT NULL);' +
  'CREATE TABLE dav_props (target TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (target, name))';

/** One live item as the WebDAV front sees it: a file, a note (`.md`) or a record (`.json`, read-only). */
export interface DavEntry {
  id: string;
  kind: 'file' | 'note' | 'record';
  /** The name as stored (file name, note or record title); the front adds `.md` / `.json`. */
  name: string;
  folder: string;
  size: number;
  sha256: string | null;
  type: string;
  /** Oldest and newest field stamps (ms), for creationdate and getlastmodified. */
  created: number;
  modified: number;
  /** The stamp of the content field: the ETag changes exactly when the content does. */
  version: string;
  /** Order among same-named siblings: the oldest stamp, so the older item keeps the plain name. */
  order: string;
}

const text = (item: ItemState, field: string): string => {
  const value = item.fields[field]?.v;
  return typeof value === 'string' ? value : '';
};

/** The content of a record as its read-only JSON file. */
export function recordJson(item: ItemState): string {
  const fields: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(item.fields)) {
    if (name.startsWith('r:')) fields[name.slice(2)] = entry.v;
  }
  return `${JSON.stringify({ title: text(item, 'title'), fields }, null, 2)}\n`;
}

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

/** The entry of an item, or null when it is deleted or has no place in the tree. */
export function entryOf(item: ItemState): DavEntry | null {
  if (isDeleted(item) || item.conflict) return null;
  const stamps = Object.values(item.fields).map((entry) => entry.s);
  const oldest = stamps.reduce((a, b) => (a < b ? a : b), stamps[0] ?? '');
  const newest = newestStamp(item) ?? '';
  const base = {
    id: item.id,
    folder: folderOf(item.fields[FOLDER_FIELD]?.v),
    created: oldest ? stampWall(oldest) : 0,
    modified: newest ? stampWall(newest) : 0,
    order: oldest,
  };
  if (item.kind === 'file') {
    const sha = item.fields[FILE_BLOB_FIELD]?.v;
    const size = item.fields.size?.v;
    return {
      ...base,
      kind: 'file',
      name: text(item, 'name') || text(item, 'title') || 'Untitled file',
      size: typeof size === 'number' ? size : 0,
      sha256: typeof sha === 'string' ? sha : null,
      type: text(item, 'type') || 'application/octet-stream',
      version: item.fields[FILE_BLOB_FIELD]?.s ?? newest,
    };
  }
  if (item.kind === 'note') {
    return {
      ...base,
      kind: 'note',
      name: text(item, 'title') || 'Untitled note',
      size: utf8Length(text(item, 'body')),
      sha256: null,
      type: 'text/markdown; charset=utf-8',
      version: item.fields.body?.s ?? newest,
    };
  }
  return {
    ...base,
    kind: 'record',
    name: text(item, 'title') || 'Untitled record',
    size: utf8Length(recordJson(item)),
    sha256: null,
    type: 'application/json',
    version: newest,
  };
}

/** The WebDAV front's reads and its own small tables, over the SpaceObject's SQLite. */
export class DavStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  /**
   * Every live item's entry and every empty-folder path. Every WebDAV request resolves its path
   * against this, so the fields are read by SQLite (`json_extract`) rather than by parsing each
   * item's JSON here; only records (whose JSON file size needs the whole item) are parsed.
   */
  tree(): { entries: DavEntry[]; folders: string[] } {
    const entries: DavEntry[] = [];
    const rows = this.sql.exec<Record<string, SqlStorageValue>>(
      `SELECT id, json_extract(body, '$.kind') AS kind,
         json_extract(body, '$.fields.name.v') AS name, json_extract(body, '$.fields.title.v') AS title,
         json_extract(body, '$.fields.folder.v') AS folder, json_extract(body, '$.fields.size.v') AS size,
         json_extract(body, '$.fields.sha256.v') AS sha256, json_extract(body, '$.fields.sha256.s') AS sha_s,
         json_extract(body, '$.fields.type.v') AS type,
         length(CAST(json_extract(body, '$.fields.body.v') AS BLOB)) AS body_bytes,
         json_extract(body, '$.fields.body.s') AS body_s,
         (SELECT min(json_extract(value, '$.s')) FROM json_each(body, '$.fields')) AS oldest,
         (SELECT max(json_extract(value, '$.s')) FROM json_each(body, '$.fields')) AS newest,
         CASE WHEN json_extract(body, '$.kind') = 'record' THEN body END AS record
       FROM sync_items
       WHERE coalesce(json_extract(body, '$.fields."$deleted".v'), 0) != 1 AND json_extract(body, '$.conflict') IS NULL`,
    );
    for (const row of rows) {
      if (typeof row.record === 'string') {
        const entry = entryOf(JSON.parse(row.record) as ItemState);
        if (entry) entries.push(entry);
        continue;
      }
      const text = (value: SqlStorageValue | undefined) => (typeof value === 'string' ? value : '');
      const oldest = text(row.oldest);
      const newest = text(row.newest);
      const base = {
        id: text(row.id),
        folder: folderOf(row.folder),
        created: oldest ? stampWall(oldest) : 0,
        modified: newest ? stampWall(newest) : 0,
        order: oldest,
      };
      if (row.kind === 'file') {
        entries.push({
          ...base,
          kind: 'file',
          name: text(row.name) || text(row.title) || 'Untitled file',
          size: typeof row.size === 'number' ? row.size : 0,
          sha256: typeof row.sha256 === 'string' ? row.sha256 : null,
          type: text(row.type) || 'application/octet-stream',
          version: text(row.sha_s) || newest,
        });
      } else if (row.kind === 'note') {
        entries.push({
          ...base,
          kind: 'note',
          name: text(row.title) || 'Untitled note',
          size: Number(row.body_bytes ?? 0),
          sha256: null,
          type: 'text/markdown; charset=utf-8',
          version: text(row.body_s) || newest,
        });
      }
    }
    const folders = this.sql
      .exec<{ path: string }>('SELECT path FROM dav_folders')
      .toArray()
      .map((row) => row.path);
    return { entries, folders };
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
    this.sql.exec(`DELETE FROM dav_folders WHERE path = ? OR ${BELOW('path')}`, path, ...below(path));
    this.sql.exec(
      `DELETE FROM dav_props WHERE target = ? OR ${BELOW('target')}`,
      `folder:${path}`,
      ...below(`folder:${path}`),
    );
  }

  /** Copies the empty folders at and below `from` to below `to` (COPY of a folder). */
  copyFolders(from: string, to: string): void {
    this.addFolder(to);
    for (const { path } of this.sql
      .exec<{ path: string }>(`SELECT path FROM dav_folders WHERE ${BELOW('path')}`, ...below(from))
      .toArray())
      this.addFolder(`${to}${path.slice(from.length)}`);
  }

  /** Renames the folder `from` (and those below it) to `to`, with their dead properties. */
  moveFolders(from: string, to: string): void {
    const rename = (value: string, prefix: string) =>
      (value === from ? to : `${to}${value.slice(from.length)}`) + prefix;
    for (const { path } of this.sql
      .exec<{ path: string }>(
        `SELECT path FROM dav_folders WHERE path = ? OR ${BELOW('path')}`,
        from,
        ...below(from),
      )
      .toArray()) {
      this.sql.exec('DELETE FROM dav_folders WHERE path = ?', path);
      this.addFolder(rename(path, ''));
    }
    for (const { target, name, value } of this.sql
      .exec<{ target: string; name: string; value: string }>(
        `SELECT target, name, value FROM dav_props WHERE target = ? OR ${BELOW('target')}`,
        `folder:${from}`,
        ...below(`folder:${from}`),
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

  /** The dead properties of every item and of the folder `path` and those below, by target. */
  propsBelow(path: string): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const row of this.sql.exec<{ target: string; name: string; value: string }>(
      'SELECT target, name, value FROM dav_props',
    )) {
      if (row.target.startsWith('folder:') && !row.target.startsWith(`folder:${path}`)) continue;
      (out[row.target] ??= {})[row.name] = row.value;
    }
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

/**
 * Paths below a folder as a range of the column's index: `<path>/` ≤ value < `<path>0` (`0`
 * follows `/` in UTF-8). Not LIKE: the runtime's SQLite refuses LIKE patterns over 50 bytes, so
 * a folder a few levels down could not be deleted, copied or moved (D10).
 */
const BELOW = (column: string) => `(${column} >= ? AND ${column} < ?)`;
function below(path: string): [string, string] {
  return [`${path}/`, `${path}0`];
}
