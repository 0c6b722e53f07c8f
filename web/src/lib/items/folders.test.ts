import { describe, expect, it } from 'vitest';
import type { ItemState } from '#shared/sync/item';
import { breadcrumbs, childFolders, impliedFolders, renameFolderEdits } from './folders';
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

  it('[D2] folders come from the folders holding items and the folders above them', () => {
    const holding = ['Plans/2027/Q1', 'Plans', ''];
    expect(impliedFolders(holding)).toEqual(['Plans', 'Plans/2027', 'Plans/2027/Q1']);
    expect(childFolders(holding, '')).toEqual(['Plans']);
    expect(childFolders(holding, 'Plans')).toEqual(['Plans/2027']);
    expect(childFolders(holding, '', ['New'])).toEqual(['New', 'Plans']);
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
