import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mutation } from '#shared/sync/mutation';
import { BatonDatabase } from '../../web/src/lib/db/db';
import { writeEdit } from '../../web/src/lib/db/edit-writes';
import { itemOf } from '../../web/src/lib/db/queries';
import type { TextBase } from '../../web/src/lib/db/merge-store';
import { TextDraft } from '../../web/src/lib/state/text-draft.svelte';

// The note editor's draft of one text field (S22) against real IndexedDB writes (Dexie over
// fake-indexeddb): two tabs of one device typing into one note, each with its own draft.

const SPACE = 'space-draft-test';
const NOTE = 'noteDRAFT001';
const START = 'line one\nline two\nline three\nline four\nline five';
const open: BatonDatabase[] = [];
let made = 0;

afterEach(async () => {
  for (const db of open.splice(0)) {
    db.close();
    await db.delete();
  }
});

async function stored(db: BatonDatabase) {
  return (await itemOf(db, SPACE, NOTE))!.fields['body']!;
}

function write(db: BatonDatabase, text: string, base: TextBase): Promise<Mutation> {
  return writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: text }, bases: { body: base } });
}

const saved = (mutation: Mutation) => ({
  stamp: mutation.stamp,
  values: Object.fromEntries(Object.entries(mutation.set).map(([name, write]) => [name, write.v])),
});

describe('the draft of a text field', () => {
  it("[S39] a stored change followed while the draft's own write was on its way: both tabs' keys stay", async () => {
    const db = new BatonDatabase(`draft-test-${++made}`);
    open.push(db);
    await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: START } });
    const draft = new TextDraft();
    draft.follow(await stored(db), null);
    // The other tab types " f" at the end of line five, a key at a time.
    const first = await stored(db);
    const space = await write(db, START.replace('line five', 'line five '), { stamp: first.s, text: START });
    const typedF = START.replace('line five', 'line five f');
    await write(db, typedF, { stamp: space.stamp, text: START.replace('line five', 'line five ') });
    // This tab typed on line one; its write goes out on the version it saw...
    draft.text = START.replace('line one', 'line one from');
    const sent = draft.text;
    const sentBase = draft.base;
    const writing = write(db, sent, sentBase);
    // ...and, before it is answered, the editor follows the other tab's first key.
    const between = { v: START.replace('line five', 'line five '), s: space.stamp };
    draft.follow(between, null);
    draft.saved(sent, sentBase, saved(await writing), 'body', null);
    const both = START.replace('line one', 'line one from').replace('line five', 'line five f');
    expect(draft.text).toBe(both);
    expect((await stored(db)).v).toBe(both);
    expect(draft.changed).toBe(false);
  });
});
