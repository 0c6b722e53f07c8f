import { joinPath, uniqueNames } from '#shared/sync/folders';
import { shownName, type DavEntry } from './dav-entry';
import type { DavStore } from './dav-store';
import { nameKey, type ItemIndex } from './item-index';

/** A child of a folder as WebDAV shows it: a subfolder, or an item under its shown name. */
export type DavChild =
  { type: 'folder'; name: string; path: string } | { type: 'item'; name: string; entry: DavEntry };

/** What a path below a space names: a folder, an item, or nothing (with its parent folder, if any). */
export type DavResolved =
  | { kind: 'folder'; path: string }
  | { kind: 'item'; entry: DavEntry; name: string }
  | { kind: 'missing'; parent: string | null; name: string };

// `name (2).ext`: the name a same-named sibling is shown under (uniqueNames).
const NUMBERED = /^(.*) \(\d+\)(\.[^.]*)?$/;

/**
 * One space's tree as WebDAV shows it, read through the item index (D11): folders come from items'
 * folder paths and from folders made empty (MKCOL). Siblings with the same name all stay visible
 * (`report (2).docx`); a folder keeps its name over an item of the same name. A path costs the
 * folders and names it passes through; a whole folder is read only where the names need it.
 */
export class DavTree {
  constructor(
    private readonly index: ItemIndex,
    private readonly store: DavStore,
  ) {}

  hasFolder(path: string): boolean {
    return path === '' || this.index.holdsItems(path) || this.store.hasFolder(path);
  }

  /** The paths of the folders directly in `path`. */
  private subfolders(path: string): string[] {
    const paths = new Set(this.index.subfolders(path));
    for (const kept of this.store.foldersBelow(path)) {
      const rest = path === '' ? kept : kept.slice(path.length + 1);
      paths.add(joinPath(path, rest.split('/')[0] ?? ''));
    }
    return [...paths];
  }

  /** The children of a folder, folders first, each under its shown (unique) name. */
  children(path: string): DavChild[] {
    const subfolders: DavChild[] = this.subfolders(path).map((p) => ({
      type: 'folder',
      name: p.slice(p.lastIndexOf('/') + 1),
      path: p,
    }));
    const entries = this.index.entriesIn(path);
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
    return [...subfolders, ...items];
  }

  /** The child of `folder` named `name` (compared after NFC, case-sensitively first, then not). */
  child(folder: string, name: string): DavChild | undefined {
    const wanted = name.normalize('NFC');
    const path = joinPath(folder, wanted);
    if (this.hasFolder(path)) return { type: 'folder', name: wanted, path };
    const key = nameKey(wanted);
    const folderClash = this.subfolders(folder).some((p) => nameKey(p.slice(p.lastIndexOf('/') + 1)) === key);
    if (!folderClash) {
      const named = this.index.entriesNamed(folder, wanted);
      // The only item with this name keeps it (uniqueNames numbers only names shared).
      const [only] = named;
      if (named.length === 1 && only) return { type: 'item', name: shownName(only), entry: only };
      // No item has this name, and it is not a numbered sibling's: nothing is there.
      const numbered = NUMBERED.exec(wanted);
      const original = numbered ? `${numbered[1] ?? ''}${numbered[2] ?? ''}` : null;
      if (named.length === 0 && (original === null || this.index.entriesNamed(folder, original).length === 0))
        return undefined;
    }
    const all = this.children(folder);
    return all.find((c) => c.name.normalize('NFC') === wanted) ?? all.find((c) => nameKey(c.name) === key);
  }

  /** What `segments` (below the space) name. */
  resolve(segments: readonly string[]): DavResolved {
    let path = '';
    for (const [i, segment] of segments.entries()) {
      const next = this.child(path, segment);
      const last = i === segments.length - 1;
      if (next?.type === 'folder') path = next.path;
      else if (next && last) return { kind: 'item', entry: next.entry, name: next.name };
      else return { kind: 'missing', parent: last ? path : null, name: segments.at(-1) ?? '' };
    }
    return { kind: 'folder', path };
  }

  /** Every item at or below folder `path`. */
  itemsBelow(path: string): DavEntry[] {
    return this.index.entriesBelow(path);
  }
}
