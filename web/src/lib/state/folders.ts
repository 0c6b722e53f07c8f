import { folderOf, FOLDER_FIELD, joinPath, parentOf } from '#shared/sync/folders';
import type { ItemKind } from '#shared/sync/item';
import type { ItemView } from './item-view';

/** The folder an item is in (`''` for the top of the space). */
export function folderOfView(view: ItemView): string {
  return folderOf(view.item.fields[FOLDER_FIELD]?.v);
}

/** Every folder the live items imply: each item's folder and the folders above it. */
export function allFolders(views: readonly ItemView[]): string[] {
  const out = new Set<string>();
  for (const view of views) {
    if (view.deleted) continue;
    for (let path = folderOfView(view); path !== ''; path = parentOf(path)) out.add(path);
  }
  return [...out].sort();
}

/** The folders directly inside `folder`, by name; `extra` are folders made here but still empty. */
export function subfoldersOf(
  views: readonly ItemView[],
  folder: string,
  extra: readonly string[] = [],
): string[] {
  const all = new Set([...allFolders(views), ...extra]);
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
