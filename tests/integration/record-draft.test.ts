import { describe, expect, it } from 'vitest';
import { formatStamp } from '#shared/sync/hlc';
import type { ItemState, JsonValue } from '#shared/sync/item';
import { RecordDraft } from '../../web/src/components/record-draft.svelte';
import type { SavedEdit } from '../../web/src/lib/items/items-port';

// The record editor's draft (S22, S24): each value typed into a record is written once, so an
// item's History (V1) shows one edit per change, not two equal ones.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (v: string) => ({ t: 'text', v });

function draftOver(item: ItemState) {
  const writes: Record<string, JsonValue>[] = [];
  let counter = 0;
  const draft = new RecordDraft({
    item: () => item,
    onSave: (values) => {
      writes.push(values);
      const edit: SavedEdit = {
        stamp: formatStamp({ wall: Date.now(), counter: ++counter, node: 'tab1' }),
        values,
      };
      // The store answers a moment later, as IndexedDB does.
      return new Promise<SavedEdit>((resolve) => setTimeout(() => resolve(edit), 2));
    },
  });
  return { draft, writes };
}

const record: ItemState = {
  id: 'record-draft-1',
  kind: 'record',
  fields: { 'r:City': { v: text('Porto'), s: formatStamp({ wall: 1, counter: 0, node: 'tab0' }) } },
};

describe('the draft of a record', () => {
  it('[S24] [V1] a value typed into a field is written once, not again when its write comes back', async () => {
    const { draft, writes } = draftOver(record);
    draft.type('r:City', text('Lisbon'));
    await sleep(200);
    expect(writes).toEqual([{ 'r:City': text('Lisbon') }]);
    expect(draft.writer.saving).toBe(false);
    // The next change is a write of its own.
    draft.type('r:City', text('Lisbon 2'));
    await sleep(200);
    expect(writes).toEqual([{ 'r:City': text('Lisbon') }, { 'r:City': text('Lisbon 2') }]);
    // Leaving writes nothing that is already written.
    draft.close();
    await sleep(50);
    expect(writes).toHaveLength(2);
  });

  it('[S24] keys typed while a write is on its way go out in one next write', async () => {
    const { draft, writes } = draftOver(record);
    draft.type('r:City', text('B'));
    draft.type('r:City', text('Be'));
    await sleep(5);
    draft.type('r:City', text('Ber'));
    draft.type('title', 'Cities');
    await sleep(200);
    expect(writes.at(-1)).toEqual({ 'r:City': text('Ber'), title: 'Cities' });
    expect(writes.filter((w) => JSON.stringify(w['r:City']) === JSON.stringify(text('Ber')))).toHaveLength(1);
  });
});
