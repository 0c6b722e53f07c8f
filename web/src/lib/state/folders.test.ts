import { describe, expect, it } from 'vitest';
import type { ItemState } from '#shared/sync/item';
import { allFolders, breadcrumbs, renameFolderEdits, subfoldersOf } from './folders';
import { toView } from './item-view';

const S = '000001764300000000-000000-abcd';
const view = (id: string, folder: string | undefined, deleted = false) => {
  const fields: ItemState['fields'] = { title: { v: id, s: S } };
  if (folder !== undefined) fields.folder = { v: folder, s: S };
  if (deleted) fields.$deleted = { v: true, s: S };
  return toView({ id, kind: 'note', fields });
};

describe('folders', () => {
  const views = [
    view('aaaaaaaa', 'Plans/2027'),
    view('bbbbbbbb', 'Plans'),
    view('cccccccc', undefined),
    view('dddddddd', 'Old', true),
  ];

  it('[D2] folders come from the items in them and above them; deleted items make none', () => {
    expect(allFolders(views)).toEqual(['Plans', 'Plans/2027']);
    expect(subfoldersOf(views, '')).toEqual(['Plans']);
    expect(subfoldersOf(views, 'Plans')).toEqual(['Plans/2027']);
    expect(subfoldersOf(views, '', ['New'])).toEqual(['New', 'Plans']);
  });

  it('[D2] breadcrumbs name each folder down to the open one', () => {
    expect(breadcrumbs('')).toEqual([]);
    expect(breadcrumbs('Plans/2027')).toEqual([
      { name: 'Plans', path: 'Plans' },
      { name: '2027', path: 'Plans/2027' },
    ]);
  });

  it('[D2] renaming a folder moves every item in it and below it, and nothing else', () => {
    expect(renameFolderEdits(views, 'Plans', 'Roadmap')).toEqual([
      { itemId: 'aaaaaaaa', kind: 'note', values: { folder: 'Roadmap/2027' } },
      { itemId: 'bbbbbbbb', kind: 'note', values: { folder: 'Roadmap' } },
    ]);
  });
});
