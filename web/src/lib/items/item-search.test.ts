import { describe, expect, it } from 'vitest';
import { filterItems, toView } from './item-view';
import { taskLists } from './markdown';

const stamp = '000001700000000-000000-nodeA';

describe('finding and showing items', () => {
  it('search finds a record by the value of one of its fields', () => {
    const record = toView({
      id: 'record0001',
      kind: 'record',
      fields: {
        title: { v: 'Customer', s: stamp },
        'r:City': { v: 'Lisbon', s: stamp },
        'r:Due': { v: { type: 'date', v: '2026-12-24' }, s: stamp },
      },
    });
    const note = toView({ id: 'note000001', kind: 'note', fields: { title: { v: 'Other', s: stamp } } });
    const find = (query: string) =>
      filterItems([record, note], { query, kind: 'all', show: 'live' }, 0).map((view) => view.id);
    expect(find('lisbon')).toEqual(['record0001']);
    expect(find('2026-12-24')).toEqual(['record0001']);
    expect(find('porto')).toEqual([]);
  });

  it('Markdown task list items become read-only checkboxes; other list items are left alone', () => {
    const html = taskLists('<ul>\n<li>[ ] to do</li>\n<li>[x] done</li>\n<li>plain</li>\n</ul>\n');
    expect(html).toContain(
      '<li class="task"><input type="checkbox" disabled aria-label="Not done"> to do</li>',
    );
    expect(html).toContain(
      '<li class="task"><input type="checkbox" disabled checked aria-label="Done"> done</li>',
    );
    expect(html).toContain('<li>plain</li>');
    // A loose list puts a paragraph inside the item.
    expect(taskLists('<ul>\n<li>\n<p>[x] bread</p>\n</li>\n</ul>\n')).toContain(
      '<li class="task">\n<p><input type="checkbox" disabled checked aria-label="Done"> bread</p>',
    );
  });
});
