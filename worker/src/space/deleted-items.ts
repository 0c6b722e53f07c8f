import { groupDeletions, type DeletedItem, type DeletedResponse } from '#shared/history/deleted';
import { folderOf } from '#shared/sync/folders';
import type { ItemState } from '#shared/sync/item';
import { itemLabel } from '#shared/history/restore';

const PREVIEW_CHARS = 200;

/**
 * The space's deleted items for the Deleted tab (V11), read from the version store: the delete
 * versions of the last `since` ms (an index on field and time), joined to items still deleted by
 * that very version. Conflict copies are not listed (the conflicts screen has them).
 */
export function deletedItems(
  sql: SqlStorage,
  since: number,
  limit: number,
  nameOf: (userId: string) => string,
): DeletedResponse {
  const rows = sql
    .exec<{ at: number; author: string; body: string }>(
      `SELECT v.at, v.author, s.body FROM field_versions v JOIN sync_items s ON s.id = v.item_id
       WHERE v.field = '$deleted' AND v.at >= ?1 AND v.value = 'true'
         AND json_extract(s.body, '$.fields."$deleted".s') = v.stamp
         AND json_extract(s.body, '$.conflict') IS NULL
       ORDER BY v.at DESC LIMIT ?2`,
      since,
      limit + 1,
    )
    .toArray();
  const items = rows.slice(0, limit).map((row): DeletedItem => {
    const item = JSON.parse(row.body) as ItemState;
    const body = item.fields['body']?.v;
    return {
      itemId: item.id,
      kind: item.kind,
      title: itemLabel(item),
      folder: folderOf(item.fields['folder']?.v),
      preview: typeof body === 'string' ? body.slice(0, PREVIEW_CHARS) : '',
      deletedAt: row.at,
      deletedBy: nameOf(row.author),
    };
  });
  return { groups: groupDeletions(items), more: rows.length > limit };
}
