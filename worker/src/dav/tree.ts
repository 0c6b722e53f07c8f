import { joinPath, parentOf, uniqueNames } from '#shared/sync/folders';
import type { DavEntry } from '../space/dav-store';

/** A child of a folder as WebDAV shows it: a subfolder, or an item under its shown name. */
export type DavChild =
  { type: 'folder'; name: string; path: string } | { type: 'item'; name: string; entry: DavEntry };

/** The file name an entry is shown under, before de-duplication. */
export function shownName(entry: DavEntry): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const safe = entry.name.replaceAll(/[/\\\u0000-\u001f]/g, '_');
  if (entry.kind === 'note') return `${safe}.md`;
  if (entry.kind === 'record') return `${safe}.json`;
  return safe;
}

/**
 * One space's tree as WebDAV shows it: folders come from items' folder paths and from folders
 * made empty (MKCOL). Siblings with the same name all stay visible (`report (2).docx`); a folder
 * keeps its name over an item of the same name.
 */
export class SpaceTree {
  private readonly byFolder = new Map<string, DavEntry[]>();
  private readonly folders = new Set<string>(['']);
  private readonly cache = new Map<string, DavChild[]>();

  constructor(entries: readonly DavEntry[], emptyFolders: readonly string[]) {
    for (const entry of entries) {
      const list = this.byFolder.get(entry.folder) ?? [];
      list.push(entry);
      this.byFolder.set(entry.folder, list);
      this.addFolder(entry.folder);
    }
    for (const path of emptyFolders) this.addFolder(path);
  }

  private addFolder(path: string): void {
    for (let p = path; p !== '' && !this.folders.has(p); p = parentOf(p)) this.folders.add(p);
  }

  hasFolder(path: string): boolean {
    return this.folders.has(path);
  }

  /** The children of a folder, folders first, each under its shown (unique) name. */
  children(path: string): DavChild[] {
    const cached = this.cache.get(path);
    if (cached) return cached;
    const subfolders: DavChild[] = [...this.folders]
      .filter((p) => p !== '' && parentOf(p) === path)
      .map((p) => ({ type: 'folder', name: p.slice(p.lastIndexOf('/') + 1), path: p }));
    const entries = this.byFolder.get(path) ?? [];
    // Subfolders take part first (order ''), so an item never takes a folder's name.
    const names = uniqueNames([
      ...subfolders.map((f) => ({ id: `folder:${f.name}`, name: f.name, order: '' })),
      ...entries.map((e) => ({ id: e.id, name: shownName(e), order: e.order })),
    ]);
    const items: DavChild[] = entries.map((entry) => ({
      type: 'item',
      name: names.get(entry.id) ?? '',
      entry,
    }));
    const out = [...subfolders, ...items];
    this.cache.set(path, out);
    return out;
  }

  /** The child of `folder` named `name` (compared after NFC, case-sensitively first, then not). */
  child(folder: string, name: string): DavChild | undefined {
    const all = this.children(folder);
    const wanted = name.normalize('NFC');
    return (
      all.find((c) => c.name.normalize('NFC') === wanted) ??
      all.find((c) => c.name.normalize('NFC').toLowerCase() === wanted.toLowerCase())
    );
  }

  /** What `segments` (below the space) name: the space's top folder for none. */
  resolve(segments: readonly string[]): DavChild | { type: 'folder'; name: string; path: '' } | undefined {
    let node: DavChild | { type: 'folder'; name: string; path: '' } = { type: 'folder', name: '', path: '' };
    for (const segment of segments) {
      if (node.type !== 'folder') return undefined;
      const next = this.child(node.path, segment);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** Every item at or below folder `path`. */
  itemsBelow(path: string): DavEntry[] {
    const out: DavEntry[] = [];
    for (const [folder, entries] of this.byFolder) {
      if (path === '' || folder === path || folder.startsWith(`${path}/`)) out.push(...entries);
    }
    return out;
  }

  /** The path of a child of `folder`. */
  static pathOf(folder: string, name: string): string {
    return joinPath(folder, name);
  }
}
