import { describe, expect, it } from 'vitest';
import { formatStamp } from '#shared/sync/hlc';
import { IMPORTED_CONFLICT } from './imported-conflict';
import { toRow } from './row-writes';
import { itemStateOf, itemWithMovesOf } from './rows';
import type { LocalItem } from './tables';

const s = formatStamp({ wall: 1000, counter: 0, node: 'nodeA' });
const later = formatStamp({ wall: 2000, counter: 0, node: 'nodeA' });

describe('the item a row holds', () => {
  it('[S18] an imported conflict copy is labelled for the merge and for the screens alike', () => {
    // A row stored without its `conflict` (written before the label was read back from fields).
    const row: LocalItem = {
      spaceId: 'space',
      id: 'copy1',
      kind: 'note',
      fields: {
        title: { v: 'Plan', s },
        [IMPORTED_CONFLICT.of]: { v: 'item1', s },
        [IMPORTED_CONFLICT.reason]: { v: 'overwritten', s },
      },
      updatedAt: 1000,
      moves: { body: [{ from: s, to: later, op: [] }] },
    };
    expect(itemStateOf(row).conflict).toMatchObject({ of: 'item1', reason: 'overwritten' });
    expect(itemWithMovesOf(row).conflict).toEqual(itemStateOf(row).conflict);
    // Screens also get how each text moved (S39); the merge does not.
    expect(itemWithMovesOf(row).moves).toEqual(row.moves);
    expect('moves' in itemStateOf(row)).toBe(false);
  });

  it('[S18] a stored imported copy keeps its label on the row', () => {
    const row = toRow('space', {
      id: 'copy1',
      kind: 'note',
      fields: { [IMPORTED_CONFLICT.of]: { v: 'item1', s } },
    });
    expect(row.conflictOf).toBe('item1');
    expect(itemWithMovesOf(row).conflict?.of).toBe('item1');
  });
});
