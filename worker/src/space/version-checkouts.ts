import { folderLocksOver } from '#shared/locks/folders';
import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import type { FieldVersion } from '#shared/sync/versions';

/**
 * Schema step of check-outs in history (docs/spec/history.md V24): per edit (item and stamp),
 * the check-out it was made under — the item's own lock or a folder's — and who held it.
 */
export const VERSION_CHECKOUT_SCHEMA_STEP =
  'CREATE TABLE version_checkouts (item_id TEXT NOT NULL, stamp TEXT NOT NULL, lock_name TEXT NOT NULL,' +
  ' holder_user_id TEXT NOT NULL, PRIMARY KEY (item_id, stamp))';

/** The check-out an edit was made under. */
export interface EditCheckout {
  lock: string;
  holderUserId: string;
}

/**
 * Records, for the edits among `versions`, the check-out held over their item when they were
 * written (V24): the item's own lock first, else the innermost folder check-out over the folder
 * the item is in (or moves to). A space with nothing checked out costs one query.
 */
export function recordCheckouts(sql: SqlStorage, versions: readonly FieldVersion[]): void {
  const held = new Map(
    sql
      .exec<{ name: string; holder_user_id: string }>(
        'SELECT name, holder_user_id FROM lock_fence WHERE token > freed_token AND holder_user_id IS NOT NULL',
      )
      .toArray()
      .map((row) => [row.name, row.holder_user_id]),
  );
  if (held.size === 0) return;
  const edits = new Map<string, { itemId: string; stamp: string; folders: Set<string> }>();
  for (const version of versions) {
    if (version.front === 'merge') continue;
    const key = `${version.itemId}\u0000${version.stamp}`;
    const edit = edits.get(key) ?? { itemId: version.itemId, stamp: version.stamp, folders: new Set() };
    if (version.field === FOLDER_FIELD) edit.folders.add(folderOf(version.value));
    edits.set(key, edit);
  }
  const ids = [...new Set([...edits.values()].map((edit) => edit.itemId))];
  const folderNow = new Map(
    sql
      .exec<{ id: string; folder: string | null }>(
        `SELECT id, json_extract(body, '$.fields.folder.v') AS folder FROM sync_items
         WHERE id IN (SELECT value FROM json_each(?))`,
        JSON.stringify(ids),
      )
      .toArray()
      .map((row) => [row.id, folderOf(row.folder)]),
  );
  const rows: string[][] = [];
  for (const edit of edits.values()) {
    const folders = new Set([folderNow.get(edit.itemId) ?? '', ...edit.folders]);
    const names = [edit.itemId, ...[...folders].flatMap((folder) => folderLocksOver(folder).reverse())];
    const lock = names.find((name) => held.has(name));
    if (lock) rows.push([edit.itemId, edit.stamp, lock, held.get(lock)!]);
  }
  if (rows.length === 0) return;
  sql.exec(
    `INSERT OR IGNORE INTO version_checkouts (item_id, stamp, lock_name, holder_user_id)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)`,
    JSON.stringify(rows),
  );
}

/** The check-outs of `itemId`'s edits, by stamp. */
export function checkoutsOf(sql: SqlStorage, itemId: string): Map<string, EditCheckout> {
  return new Map(
    sql
      .exec<{ stamp: string; lock_name: string; holder_user_id: string }>(
        'SELECT stamp, lock_name, holder_user_id FROM version_checkouts WHERE item_id = ?',
        itemId,
      )
      .toArray()
      .map((row) => [row.stamp, { lock: row.lock_name, holderUserId: row.holder_user_id }]),
  );
}
