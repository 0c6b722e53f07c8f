import { folderOf, FOLDER_FIELD, joinPath, parentOf } from '#shared/sync/folders';
import type { ItemKind } from '#shared/sync/item';
import type { ItemView } from './item-view';

/** The folder an item is in (`''` for the top of the space). */
export function folderOfView(view: ItemView): string {
  return folderOf(view.item.fields[FOLDER_FIELD]?.v);
}

/** Every folder the given folders imply: each one and the folders above it, sorted. */
export function impliedFolders(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const folder of paths) {
    for (let path = folder; path !== ''; path = parentOf(path)) out.add(path);
  }
  return [...out].sort();
}

/**
 * The folders directly inside `folder`, by name, of those `paths` imply (the folders holding
 * items); `extra` are folders made here but still empty.
 */
export function childFolders(
  paths: Iterable<string>,
  folder: string,
  extra: readonly string[] = [],
): string[] {
  const all = new Set([...impliedFolders(paths), ...extra]);
  return [...all]
    .filter((path) => path !== folder && parentOf(path) === folder)
    .sort((a, b) => a.localeCompare(b));
}

/** The breadcrumbs of a folder: the space's top, then each folder down to it. */
export function breadcrumbs(folder: string): { name: string; path: string }[] {
  const crumbs: { name: string; path: string }[] = [];
  let path = '';
  for (const name of folder === '' ? [] : folder.split('/')) {
    path = joinPath(path, name);
    crumbs.push({ name, path });
  }
  return crumbs;
}

/** The edits that rename folder `from` to `to`: every live item in it or below it moves along. */
export function renameFolderEdits(
  views: readonly ItemView[],
  from: string,
  to: string,
): { itemId: string; kind: ItemKind; values: Record<string, string> }[] {
  return views
    .filter((view) => !view.deleted)
    .map((view) => ({ view, folder: folderOfView(view) }))
    .filter(({ folder }) => folder === from || folder.startsWith(`${from}/`))
    .map(({ view, folder }) => ({
      itemId: view.id,
      kind: view.kind,
      values: { [FOLDER_FIELD]: to + folder.slice(from.length) },
    }));
}
