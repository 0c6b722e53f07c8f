import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatStamp } from './hlc';
import { DELETED_FIELD, type Entry, type ItemState } from './item';
import { applyMutation, fencedCopy, mergeItems } from './merge';
import type { Mutation } from './mutation';

const FIELDS = ['title', 'body', 'tags', DELETED_FIELD];

// A stamp names one write, so its value is a function of the stamp: two replicas never hold
// different values under the same stamp (the HLC makes stamps unique per client).
const entryArb = fc
  .record({
    wall: fc.integer({ min: 0, max: 20 }),
    counter: fc.integer({ min: 0, max: 2 }),
    node: fc.constantFrom('aaaa', 'bbbb', 'cccc'),
  })
  .map((parts): Entry => {
    const s = formatStamp(parts);
    return { v: `value@${s}`, s };
  });

const itemArb: fc.Arbitrary<ItemState> = fc
  .dictionary(fc.constantFrom(...FIELDS), entryArb, { maxKeys: FIELDS.length })
  .map((fields) => ({ id: 'item0001', kind: 'note', fields }));

describe('pure merge', () => {
  it('[S4] is commutative', () => {
    fc.assert(
      fc.property(itemArb, itemArb, (a, b) => {
        expect(mergeItems(a, b)).toEqual(mergeItems(b, a));
      }),
    );
  });

  it('[S4] is associative', () => {
    fc.assert(
      fc.property(itemArb, itemArb, itemArb, (a, b, c) => {
        expect(mergeItems(mergeItems(a, b), c)).toEqual(mergeItems(a, mergeItems(b, c)));
      }),
    );
  });

  it('[S4] is idempotent', () => {
    fc.assert(
      fc.property(itemArb, itemArb, (a, b) => {
        expect(mergeItems(a, a)).toEqual(a);
        expect(mergeItems(mergeItems(a, b), b)).toEqual(mergeItems(a, b));
      }),
    );
  });

  it('[S4] keeps the newest write of each field, ties broken by client id', () => {
    const older = formatStamp({ wall: 5, counter: 0, node: 'zzzz' });
    const tieLow = formatStamp({ wall: 9, counter: 1, node: 'aaaa' });
    const tieHigh = formatStamp({ wall: 9, counter: 1, node: 'bbbb' });
    const a: ItemState = {
      id: 'item0001',
      kind: 'note',
      fields: { title: { v: 'A', s: tieLow }, body: { v: 'x', s: older } },
    };
    const b: ItemState = { id: 'item0001', kind: 'note', fields: { title: { v: 'B', s: tieHigh } } };
    expect(mergeItems(a, b).fields).toEqual({ body: { v: 'x', s: older }, title: { v: 'B', s: tieHigh } });
  });

  it('[S5] never reads a field value: values that throw when touched merge fine', () => {
    const poison = new Proxy(
      {},
      {
        get: () => {
          throw new Error('value was read');
        },
        ownKeys: () => {
          throw new Error('value was read');
        },
      },
    );
    const s1 = formatStamp({ wall: 1, counter: 0, node: 'aaaa' });
    const s2 = formatStamp({ wall: 2, counter: 0, node: 'bbbb' });
    const a: ItemState = { id: 'item0001', kind: 'note', fields: { title: { v: poison, s: s1 } } };
    const b: ItemState = {
      id: 'item0001',
      kind: 'note',
      fields: { title: { v: poison, s: s2 }, body: { v: poison, s: s1 } },
    };
    expect(() => mergeItems(a, b)).not.toThrow();
    const mutation: Mutation = {
      id: 'mutation1',
      itemId: 'item0001',
      kind: 'note',
      stamp: formatStamp({ wall: 1, counter: 5, node: 'cccc' }),
      set: { title: { v: poison, b: null } },
    };
    expect(() => applyMutation(mergeItems(a, b), mutation)).not.toThrow();
    expect(() => fencedCopy(b, mutation)).not.toThrow();
  });
});

describe('conflict detection', () => {
  const s = (wall: number, node: string) => formatStamp({ wall, counter: 0, node });
  const item = (fields: Record<string, Entry>): ItemState => ({ id: 'item0001', kind: 'note', fields });
  const mutation = (stamp: string, set: Mutation['set']): Mutation => ({
    id: 'mutation1',
    itemId: 'item0001',
    kind: 'note',
    stamp,
    set,
  });

  it('[S6] a write that loses to a concurrent write by another client becomes a lost copy', () => {
    const current = item({ title: { v: 'theirs', s: s(9, 'bbbb') }, body: { v: 'kept', s: s(1, 'bbbb') } });
    const result = applyMutation(current, mutation(s(5, 'aaaa'), { title: { v: 'mine', b: null } }));
    expect(result.changed).toBe(false);
    expect(result.copies).toEqual([
      {
        id: 'mutation1~l',
        kind: 'note',
        fields: { body: { v: 'kept', s: s(1, 'bbbb') }, title: { v: 'mine', s: s(5, 'aaaa') } },
        conflict: { of: 'item0001', reason: 'lost', mutationId: 'mutation1', stamp: s(5, 'aaaa') },
      },
    ]);
  });

  it('[S6] a write that overwrites a concurrent write keeps the overwritten one in a copy', () => {
    const current = item({ title: { v: 'theirs', s: s(3, 'bbbb') } });
    const result = applyMutation(current, mutation(s(5, 'aaaa'), { title: { v: 'mine', b: null } }));
    expect(result.item.fields.title).toEqual({ v: 'mine', s: s(5, 'aaaa') });
    expect(result.copies.map((copy) => [copy.conflict?.reason, copy.fields.title?.v])).toEqual([
      ['overwritten', 'theirs'],
    ]);
  });

  it("[S6] overwriting a value the writer saw, or the writer's own value, is no conflict", () => {
    const current = item({ title: { v: 'theirs', s: s(3, 'bbbb') }, body: { v: 'own', s: s(4, 'aaaa') } });
    const seen = applyMutation(current, mutation(s(5, 'aaaa'), { title: { v: 'mine', b: s(3, 'bbbb') } }));
    expect(seen.copies).toEqual([]);
    const ownOlder = applyMutation(current, mutation(s(2, 'aaaa'), { body: { v: 'older', b: null } }));
    expect(ownOlder).toEqual({ item: current, changed: false, copies: [], merged: {} });
  });

  it('[S6] editing an item someone else deleted keeps the edit in a live copy', () => {
    const current = item({
      title: { v: 't', s: s(1, 'aaaa') },
      [DELETED_FIELD]: { v: true, s: s(9, 'bbbb') },
    });
    const result = applyMutation(current, mutation(s(5, 'aaaa'), { body: { v: 'new', b: null } }));
    expect(result.copies.map((copy) => copy.conflict?.reason)).toEqual(['deleted']);
    expect(result.copies[0]!.fields).toEqual({
      title: { v: 't', s: s(1, 'aaaa') },
      body: { v: 'new', s: s(5, 'aaaa') },
    });
  });
});
