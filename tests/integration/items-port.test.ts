import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { db } from '../../web/src/lib/db/db';
import { writeEdit } from '../../web/src/lib/db/edit-writes';
import { itemsPort } from '../../web/src/lib/state/items';

// S22: an editor that goes (or a tab that is hidden) writes what is left without waiting for
// the write on its way; both were typed on one base.

const SPACE = 'space-items-port';
const NOTE = 'noteITEMS0001';

describe('the items port writes one item in turn [S22][S34]', () => {
  it('builds a write sent while the one before was on its way on that one: nothing doubled, nothing taken out', async () => {
    const first = await writeEdit(db, SPACE, {
      itemId: NOTE,
      kind: 'note',
      values: { body: 'line two\nline four typ' },
    });
    const base = { stamp: first.stamp, text: 'line two\nline four typ' };
    const typed = (text: string) => ({
      itemId: NOTE,
      kind: 'note' as const,
      values: { body: text },
      bases: { body: base },
    });
    const one = itemsPort.edit(SPACE, typed('line two a re\nline four typ'));
    const two = itemsPort.edit(SPACE, typed('line two a reload\nline four typ'));
    // Another person's keys, pulled while the first was on its way.
    await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: 'line two\nline four typed' } });
    await Promise.all([one, two]);
    await expect(itemsPort.get(SPACE, NOTE)).resolves.toMatchObject({
      fields: { body: { v: 'line two a reload\nline four typed' } },
    });
  });
});
