import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import { stampWall } from '#shared/sync/hlc';
import { FILE_BLOB_FIELD, isDeleted, newestStamp, type ItemState } from '#shared/sync/item';

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

/** The file name an entry is shown under in its folder, before same-named siblings are numbered. */
export function shownName(entry: DavEntry): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const safe = entry.name.replaceAll(/[/\\\u0000-\u001f]/g, '_');
  if (entry.kind === 'note') return `${safe}.md`;
  if (entry.kind === 'record') return `${safe}.json`;
  return safe;
}
