import type { JsonValue } from '#shared/sync/item';
import { readJournal } from '../journal/journal-schema';
import { journalKey, type PageEdit, type PageJournal } from '../journal/unstored-edits';
import type { BatonDatabase } from './db';
import { writeEdit } from './edit-writes';
import { textOf } from '#shared/sync/versions';
import { buildOnEarlier, type TextBase } from './merge-store';

/**
 * Stores the journal page `pageId` left in `storage` and then forgets it; one that fails to
 * store stays for the next page. Call once that page is gone. Answers how many edits were written.
 */
export async function storeLeftJournal(db: BatonDatabase, storage: Storage, pageId: string): Promise<number> {
  const journal = readJournal(storage, pageId);
  if (!journal) return 0;
  const written = await storeJournal(db, journal);
  storage.removeItem(journalKey(pageId));
  return written;
}

/**
 * Stores the edits a page left unstored when it went (S34), in the order it asked for them.
 * Each is written as a new edit on the bases it was typed on, so whatever moved since merges in
 * (S22). A field that already holds the value is left out: the page's own commit may have
 * landed after all. An edit sent while the page's previous edit of that item was still on its
 * way was typed on the same base; that previous edit is stored now (by the page, or just
 * before by this), so the later one builds on it instead of overlapping it. Answers how many
 * edits were written.
 */
export async function storeJournal(db: BatonDatabase, journal: PageJournal): Promise<number> {
  const earlier: Earlier[] = journal.stored.flatMap((edit) => fieldsOf(edit, edit.stamp, edit.values));
  let written = 0;
  for (const left of journal.waiting) {
    const { spaceId, edit } = left;
    // A space no longer on this device (signed out of, which syncs first) has nothing to take it.
    if (!(await db.syncState.get(spaceId))) continue;
    const row = await db.items.get([spaceId, edit.itemId]);
    const values: Record<string, JsonValue> = {};
    const bases: Record<string, TextBase> = {};
    for (const [name, value] of Object.entries(edit.values)) {
      const stored = row?.fields[name];
      if (stored && JSON.stringify(stored.v) === JSON.stringify(value)) {
        earlier.push(...fieldsOf(left, stored.s, { [name]: stored.v }, name));
        continue;
      }
      const base = edit.bases?.[name];
      const built = base ? builtOn(earlier, left, name, value, base) : { value, base };
      values[name] = built.value;
      if (built.base) bases[name] = built.base;
    }
    if (Object.keys(values).length === 0) continue;
    const mutation = await writeEdit(db, spaceId, { ...edit, values, bases });
    const storedValues = Object.fromEntries(
      Object.entries(mutation.set).map(([name, write]) => [name, write.v]),
    );
    earlier.push(
      ...Object.keys(values).flatMap((name) => fieldsOf(left, mutation.stamp, storedValues, name)),
    );
    written += 1;
  }
  return written;
}

/** A field a journal's edit wrote, now stored as `stamp`, and the base it was typed on. */
interface Earlier {
  spaceId: string;
  itemId: string;
  name: string;
  typedOn: string | null | undefined;
  /** The text the page wrote. */
  sent: string;
  /** The text stored at `stamp`: the one sent, merged with what moved under it. */
  text: string;
  stamp: string;
}

function fieldsOf(
  left: PageEdit,
  stamp: string,
  stored: Record<string, JsonValue> | undefined,
  only?: string,
): Earlier[] {
  return Object.entries(left.edit.values).flatMap(([name, value]) => {
    if (only !== undefined && name !== only) return [];
    const sent = textOf(name, value);
    if (sent === null) return [];
    return [
      {
        spaceId: left.spaceId,
        itemId: left.edit.itemId,
        name,
        typedOn: left.edit.bases?.[name]?.stamp,
        sent,
        text: textOf(name, stored?.[name]) ?? sent,
        stamp,
      },
    ];
  });
}

/** The value and base of `name` for `left`: built on the page's write typed on the same base, if any. */
function builtOn(
  earlier: readonly Earlier[],
  left: PageEdit,
  name: string,
  value: JsonValue,
  base: TextBase,
): { value: JsonValue; base: TextBase } {
  const before = earlier.findLast(
    (field) =>
      field.spaceId === left.spaceId &&
      field.itemId === left.edit.itemId &&
      field.name === name &&
      field.typedOn === base.stamp,
  );
  return before
    ? buildOnEarlier(name, value, base, { stamp: before.stamp, sent: before.sent, stored: before.text })
    : { value, base };
}
