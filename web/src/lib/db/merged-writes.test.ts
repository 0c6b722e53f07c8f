import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { applyOp, opBetween } from '#shared/sync/text-ops';
import { moveAlong } from '#shared/sync/text-moves';
import { writeEdit } from './edit-writes';
import { database, NOTE, SPACE } from '../../../testing/merge-devices';
import { itemOf } from './queries';
import { settlePush } from './sync-store';

// S39: the server merged a write of this device; keys typed since wait in the outbox. The note
// becomes the merged version with those keys on it, and an open editor (still on the typed
// version) can move onto it exactly.

describe('a merged answer while later keys wait [S39]', () => {
  it('records the exact step from the typed version to the merged one', async () => {
    const db = database();
    const start = await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: 'one\ntwo' } });
    await db.outbox.clear();
    const sent = await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree' },
      bases: { body: { stamp: start.stamp, text: 'one\ntwo' } },
    });
    const entries = await db.outbox.toArray();
    // Typed while the push was on its way.
    const typed = await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'one\ntwo\nthree four' },
      bases: { body: { stamp: sent.stamp, text: 'one\ntwo\nthree' } },
    });
    // Someone else's line at the top came first: the server merged.
    const merged = 'zero\none\ntwo\nthree';
    await settlePush(db, SPACE, entries, {
      results: [
        {
          id: sent.id,
          status: 'applied',
          copies: [],
          merged: {
            body: {
              v: merged,
              s: `${String(Date.now() + 1_000).padStart(15, '0')}-000000-server`,
              moved: opBetween('one\ntwo\nthree', merged),
            },
          },
        },
      ],
      head: 2,
      serverTime: Date.now(),
    });
    const row = await itemOf(db, SPACE, NOTE);
    const now = row!.fields['body']!;
    expect(now.v).toBe('zero\none\ntwo\nthree four');
    const step = moveAlong(row!.moves?.['body'], typed.stamp, now.s);
    expect(step).not.toBeNull();
    expect(applyOp('one\ntwo\nthree four', step!)).toBe('zero\none\ntwo\nthree four');
  });
});
