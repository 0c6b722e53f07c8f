import * as v from 'valibot';
import { ClientItemIdSchema, ItemIdSchema, ItemKindSchema } from '../sync/item';

// The Deleted tab (V11, V12): deleted items with their last version, and deleted folders, which
// come back whole.

/** One deleted item with what its last version held. */
export const DeletedItemSchema = v.object({
  itemId: ItemIdSchema,
  kind: ItemKindSchema,
  title: v.string(),
  folder: v.string(),
  /** The start of its last text (a note's body), to recognise it by. */
  preview: v.string(),
  deletedAt: v.number(),
  deletedBy: v.string(),
});

/** One deleted item. */
export type DeletedItem = v.InferOutput<typeof DeletedItemSchema>;

/**
 * Items deleted together: by one person in one request (a folder deleted over WebDAV, several
 * items at once). `folder` is the folder they all were in when they were more than one, else null.
 */
export const DeletedGroupSchema = v.object({
  folder: v.nullable(v.string()),
  deletedAt: v.number(),
  deletedBy: v.string(),
  items: v.array(DeletedItemSchema),
});

/** Items deleted together. */
export type DeletedGroup = v.InferOutput<typeof DeletedGroupSchema>;

/** `GET /api/spaces/:spaceId/deleted`: newest deletion first. */
export const DeletedResponseSchema = v.object({ groups: v.array(DeletedGroupSchema), more: v.boolean() });

/** The deleted items of a space. */
export type DeletedResponse = v.InferOutput<typeof DeletedResponseSchema>;

/** Most items one bring-back names. */
export const UNDELETE_MAX = 1_000;

/** `POST /api/spaces/:spaceId/deleted/restore`: bring these items back. */
export const UndeleteRequestSchema = v.strictObject({
  itemIds: v.pipe(
    v.array(ClientItemIdSchema),
    v.minLength(1, 'Name at least one item'),
    v.maxLength(UNDELETE_MAX, `At most ${UNDELETE_MAX} items at once`),
  ),
});

/** What came back and what did not (an item someone else has checked out, one no longer deleted). */
export const UndeleteResponseSchema = v.object({
  restored: v.array(v.string()),
  skipped: v.array(v.object({ itemId: v.string(), title: v.string(), reason: v.string() })),
});

/** What came back and what did not. */
export type UndeleteResponse = v.InferOutput<typeof UndeleteResponseSchema>;

/** The longest folder every path lies in (`a/b` for `a/b/c` and `a/b`), '' when none. */
export function commonFolder(folders: readonly string[]): string {
  const [first, ...rest] = folders.map((folder) => folder.split('/').filter(Boolean));
  if (!first) return '';
  let length = first.length;
  for (const parts of rest) {
    let same = 0;
    while (same < Math.min(length, parts.length) && parts[same] === first[same]) same += 1;
    length = same;
  }
  return first.slice(0, length).join('/');
}

/**
 * Groups deleted items into deletions (V11): items one person deleted in one request (same
 * author, same server time) form one group; a group of several items inside one folder is that
 * folder's deletion and comes back whole (V12). Newest first.
 */
export function groupDeletions(items: readonly DeletedItem[]): DeletedGroup[] {
  const groups = new Map<string, DeletedItem[]>();
  for (const item of items) {
    const key = `${item.deletedBy}\u0000${item.deletedAt}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const out: DeletedGroup[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    if (!first) continue;
    const folder = members.length > 1 ? commonFolder(members.map((item) => item.folder)) : '';
    out.push({
      folder: folder === '' ? null : folder,
      deletedAt: first.deletedAt,
      deletedBy: first.deletedBy,
      items: members,
    });
  }
  return out.sort((a, b) => b.deletedAt - a.deletedAt);
}
