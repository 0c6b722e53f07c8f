import { describe, expect, it } from 'vitest';
import { readJournal } from './journal-schema';
import { leftPageIds, UnstoredEdits } from './unstored-edits';
import { memoryStorage } from './memory-storage';

// S34: while the page is hidden or leaving, every edit not yet stored is in localStorage too.

const edit = (text: string) => ({
  itemId: 'noteAAAA0001',
  kind: 'note' as const,
  values: { body: text },
  bases: { body: { stamp: 's0', text: 'a' } },
});

describe('the page journal of unstored edits [S34]', () => {
  it('writes nothing while the page is shown', () => {
    const store = memoryStorage();
    const journal = new UnstoredEdits(store, 'page-1');
    journal.begin('space', edit('ab'));
    expect(store.length).toBe(0);
  });

  it('keeps every waiting edit once the page is hidden, and each later one at once', () => {
    const store = memoryStorage();
    const journal = new UnstoredEdits(store, 'page-1');
    journal.begin('space', edit('ab'));
    journal.keep();
    journal.begin('space', edit('abc'));
    const left = readJournal(store, 'page-1');
    expect(left?.waiting.map((w) => w.edit.values['body'])).toEqual(['ab', 'abc']);
  });

  it('names the stored edit an edit sent before it was stored builds on, and goes once all are stored', () => {
    const store = memoryStorage();
    const journal = new UnstoredEdits(store, 'page-1');
    const first = journal.begin('space', edit('ab'));
    const second = journal.begin('space', edit('abc'));
    journal.keep();
    journal.stored(first, 's1', { body: 'ab merged' });
    expect(readJournal(store, 'page-1')).toEqual({
      waiting: [{ spaceId: 'space', edit: edit('abc') }],
      stored: [{ spaceId: 'space', edit: edit('ab'), stamp: 's1', values: { body: 'ab merged' } }],
    });
    journal.shown();
    journal.stored(second, 's2', { body: 'abc' });
    expect(readJournal(store, 'page-1')).toBeNull();
  });

  it('keeps a failed write until a later edit of the item is stored', () => {
    const store = memoryStorage();
    const journal = new UnstoredEdits(store, 'page-1');
    const failed = journal.begin('space', edit('ab'));
    journal.failed(failed);
    journal.keep();
    expect(readJournal(store, 'page-1')?.waiting).toHaveLength(1);
    journal.stored(journal.begin('space', edit('abc')), 's2', { body: 'abc' });
    expect(readJournal(store, 'page-1')).toBeNull();
  });

  it('lists the pages that left a journal; one that is not readable is dropped', () => {
    const store = memoryStorage();
    const mine = new UnstoredEdits(store, 'mine');
    const other = new UnstoredEdits(store, 'other');
    mine.begin('space', edit('x'));
    other.begin('space', edit('y'));
    mine.keep();
    other.keep();
    store.setItem('baton.unstored.broken', '{"waiting": 3');
    expect(leftPageIds(store, 'mine')).toEqual(['other', 'broken']);
    expect(readJournal(store, 'broken')).toBeNull();
    expect(store.getItem('baton.unstored.broken')).toBeNull();
  });
});
