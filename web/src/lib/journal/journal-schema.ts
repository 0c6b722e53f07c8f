import * as v from 'valibot';
import { ItemKindSchema, JsonValueSchema } from '#shared/sync/item';
import { LockClaimSchema } from '#shared/sync/mutation';
import { journalKey, type PageJournal } from './unstored-edits';

// The journal a page left in localStorage (S34), read back by the page that stores it. Loaded
// only when there is one, so the first screen does not carry the schema.

const EditSchema = v.object({
  itemId: v.string(),
  kind: ItemKindSchema,
  values: v.record(v.string(), JsonValueSchema),
  lock: v.optional(LockClaimSchema),
  bases: v.optional(v.record(v.string(), v.object({ stamp: v.nullable(v.string()), text: v.string() }))),
});
const PageEditSchema = v.object({ spaceId: v.string(), edit: EditSchema });
const JournalSchema = v.object({
  waiting: v.array(PageEditSchema),
  stored: v.array(
    v.object({
      ...PageEditSchema.entries,
      stamp: v.string(),
      values: v.optional(v.record(v.string(), JsonValueSchema)),
    }),
  ),
});

/** A page's journal as stored; a malformed one is dropped (nothing could store it). */
export function readJournal(storage: Storage, pageId: string): PageJournal | null {
  const raw = storage.getItem(journalKey(pageId));
  if (raw === null) return null;
  try {
    const parsed = v.safeParse(JournalSchema, JSON.parse(raw));
    if (parsed.success) return parsed.output;
  } catch {
    // Not JSON: dropped below.
  }
  console.warn('Dropped an unreadable journal of unsaved edits');
  storage.removeItem(journalKey(pageId));
  return null;
}
