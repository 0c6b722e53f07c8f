import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { BatonDatabase } from './db';
import { writeEdit } from './edit-writes';
import { body, database, NOTE, openCopies, SPACE } from '../../../testing/merge-devices';
import { storeJournal, storeLeftJournal } from './unstored-replay';
import { UnstoredEdits, type PageEdit } from '../journal/unstored-edits';
import { memoryStorage } from '../journal/memory-storage';

// S34: a later page stores what a page left unstored, without losing or doubling anything.

/** A device holding the note with `text`; answers the stamp of that version. */
async function deviceWith(text: string): Promise<{ db: BatonDatabase; stamp: string }> {
  const db = database();
  const mutation = await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: text } });
  return { db, stamp: mutation.stamp };
}

const typed = (text: string, base: { stamp: string; text: string }): PageEdit => ({
  spaceId: SPACE,
  edit: { itemId: NOTE, kind: 'note', values: { body: text }, bases: { body: base } },
});

async function bodyAndCopies(db: BatonDatabase) {
  return { body: await body(db), copies: (await openCopies(db)).length };
}

describe('storing the edits a page left [S34]', () => {
  it('writes an edit that never started', async () => {
    const { db, stamp } = await deviceWith('hello world');
    const base = { stamp, text: 'hello world' };
    await expect(storeJournal(db, { waiting: [typed('hello big world', base)], stored: [] })).resolves.toBe(
      1,
    );
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'hello big world', copies: 0 });
  });

  it('stores the journal a page left in localStorage, then forgets it', async () => {
    const { db, stamp } = await deviceWith('hello world');
    const storage = memoryStorage();
    const page = new UnstoredEdits(storage, 'gone');
    page.begin(SPACE, typed('hello big world', { stamp, text: 'hello world' }).edit);
    page.keep();
    await expect(storeLeftJournal(db, storage, 'gone')).resolves.toBe(1);
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'hello big world', copies: 0 });
    expect(storage.length).toBe(0);
    await expect(storeLeftJournal(db, storage, 'gone')).resolves.toBe(0);
  });

  it('writes nothing for an edit whose commit landed after all', async () => {
    const { db, stamp } = await deviceWith('hello world');
    const landed = typed('hello big world', { stamp, text: 'hello world' });
    await writeEdit(db, SPACE, landed.edit);
    await expect(storeJournal(db, { waiting: [landed], stored: [] })).resolves.toBe(0);
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'hello big world', copies: 0 });
  });

  it('builds an edit sent while the one before was on its way on that one, mid-line: no conflict copy', async () => {
    const { db, stamp } = await deviceWith('hello world');
    const base = { stamp, text: 'hello world' };
    // Both were typed on the same base; the first landed (stored or not, the page never heard).
    const first = typed('hello big world', base);
    const second = typed('hello bigger world', base);
    const landed = await writeEdit(db, SPACE, first.edit);
    await storeJournal(db, { waiting: [second], stored: [{ ...first, stamp: landed.stamp }] });
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'hello bigger world', copies: 0 });
  });

  it('the same when neither had landed', async () => {
    const { db, stamp } = await deviceWith('hello world');
    const base = { stamp, text: 'hello world' };
    await storeJournal(db, {
      waiting: [typed('hello big world', base), typed('hello bigger world', base)],
      stored: [],
    });
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'hello bigger world', copies: 0 });
  });

  it("keeps another person's line that came in under the first of two edits typed on one base", async () => {
    const { db, stamp } = await deviceWith('one\ntwo');
    const base = { stamp, text: 'one\ntwo' };
    // Pulled while the page's edits waited behind a busy IndexedDB.
    await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: 'one\ntwo\nthree' } });
    await storeJournal(db, { waiting: [typed('one!\ntwo', base), typed('one!!\ntwo', base)], stored: [] });
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'one!!\ntwo\nthree', copies: 0 });
  });

  it('the same when the first landed merged with that line before the page went', async () => {
    const { db, stamp } = await deviceWith('one\ntwo');
    const base = { stamp, text: 'one\ntwo' };
    await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: 'one\ntwo\nthree' } });
    const first = typed('one!\ntwo', base);
    const landed = await writeEdit(db, SPACE, first.edit);
    const values = { body: landed.set['body']!.v };
    await storeJournal(db, {
      waiting: [typed('one!!\ntwo', base)],
      stored: [{ ...first, stamp: landed.stamp, values }],
    });
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'one!!\ntwo\nthree', copies: 0 });
  });

  it('merges a change stored since on another line', async () => {
    const { db, stamp } = await deviceWith('one\ntwo');
    await writeEdit(db, SPACE, { itemId: NOTE, kind: 'note', values: { body: 'one\ntwo!' } });
    await storeJournal(db, { waiting: [typed('one?\ntwo', { stamp, text: 'one\ntwo' })], stored: [] });
    await expect(bodyAndCopies(db)).resolves.toEqual({ body: 'one?\ntwo!', copies: 0 });
  });

  it('leaves out a space no longer on the device', async () => {
    const { db, stamp } = await deviceWith('x');
    const elsewhere = { ...typed('y', { stamp, text: 'x' }), spaceId: 'space-gone' };
    await expect(storeJournal(db, { waiting: [elsewhere], stored: [] })).resolves.toBe(0);
    await expect(db.items.where('spaceId').equals('space-gone').count()).resolves.toBe(0);
  });
});
