import { describe, expect, it } from 'vitest';
import { applyBatch, type FenceCheck } from './apply';
import { formatStamp } from './hlc';
import { MemorySyncStore } from './memory-store';
import type { Mutation } from './mutation';

const stamp = (wall: number, node = 'nodeA') => formatStamp({ wall, counter: 0, node });
const edit = (
  id: string,
  itemId: string,
  wall: number,
  values: Record<string, string>,
  node = 'nodeA',
): Mutation => ({
  id,
  itemId,
  kind: 'note',
  stamp: stamp(wall, node),
  set: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, b: null }])),
});
const open: FenceCheck = () => null;

describe('applyBatch', () => {
  it('[S3] a retried batch is answered from memory and applied once', () => {
    const store = new MemorySyncStore();
    const batch = [
      edit('mutation01', 'item0001', 1, { title: 'a' }),
      edit('mutation02', 'item0002', 2, { title: 'b' }),
    ];
    const first = applyBatch(store, batch, open);
    const head = store.head();
    expect(head).toBe(2);
    expect(applyBatch(store, batch, open)).toEqual(first);
    expect(store.head()).toBe(head);
  });

  it('[S3] an error midway leaves nothing of the batch when run in a transaction', () => {
    const store = new MemorySyncStore();
    applyBatch(store, [edit('mutation00', 'item0000', 1, { title: 'before' })], open);
    const exploding: FenceCheck = (m) => {
      if (m.id === 'mutation02') throw new Error('disk on fire');
      return null;
    };
    const batch = [
      edit('mutation01', 'item0001', 2, { title: 'a' }),
      edit('mutation02', 'item0002', 3, { title: 'b' }),
    ];
    expect(() => store.transaction(() => applyBatch(store, batch, exploding))).toThrow('disk on fire');
    expect(store.head()).toBe(1);
    expect(store.getItem('item0001')).toBeNull();
    expect(store.getResult('mutation01')).toBeNull();
  });

  it('[S8] a fenced mutation is rejected, leaves the item alone and keeps the write in a conflict copy', () => {
    const store = new MemorySyncStore();
    applyBatch(store, [edit('mutation00', 'item0001', 1, { title: 'holder' }, 'nodeB')], open);
    const fence: FenceCheck = () => ({ code: 'FENCED', message: 'item0001 is checked out by someone else' });
    const [result] = applyBatch(store, [edit('mutation01', 'item0001', 5, { title: 'stale' })], fence);
    expect(result).toMatchObject({ status: 'rejected', code: 'FENCED', copies: ['mutation01~f'] });
    expect(result?.status === 'rejected' && result.current?.fields.title?.v).toBe('holder');
    expect(store.getItem('item0001')?.fields.title?.v).toBe('holder');
    expect(store.getItem('mutation01~f')).toMatchObject({
      fields: { title: { v: 'stale' } },
      conflict: { reason: 'fenced', of: 'item0001' },
    });
  });

  it('[S9] a write to an item of another kind is rejected; the rest of the batch applies', () => {
    const store = new MemorySyncStore();
    applyBatch(store, [edit('mutation00', 'item0001', 1, { title: 'note' })], open);
    const results = applyBatch(
      store,
      [
        { ...edit('mutation01', 'item0001', 2, { title: 'x' }), kind: 'record' },
        edit('mutation02', 'item0002', 3, { title: 'y' }),
      ],
      open,
    );
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'KIND_MISMATCH',
      'applied',
    ]);
  });

  it('a client cannot create an item under a conflict-copy id', () => {
    const store = new MemorySyncStore();
    const [result] = applyBatch(store, [edit('mutation01', 'mutation99~l', 1, { title: 'x' })], open);
    expect(result).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(store.head()).toBe(0);
  });

  it('[S10] every stored change gets the next number of the space-wide sequence', () => {
    const store = new MemorySyncStore();
    applyBatch(
      store,
      [edit('mutation01', 'item0001', 1, { title: 'a' }), edit('mutation02', 'item0001', 2, { title: 'b' })],
      open,
    );
    expect(store.changesAfter(0, 10).map((c) => [c.seq, c.item.fields.title?.v])).toEqual([[2, 'b']]);
  });
});
