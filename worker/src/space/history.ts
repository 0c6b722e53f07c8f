import type { FieldVersion } from '#shared/sync/versions';
import type { ItemState } from '#shared/sync/item';
import { historyEdits } from '#shared/history/edits';
import type { HistoryResponse } from '#shared/history/protocol';
import type { RestoreInputs } from '#shared/history/restore';
import { versionOf, type VersionRow } from './version-store';
import { PackedTexts } from './version-packing';
import { checkoutsOf } from './version-checkouts';

/**
 * Schema step of item history (docs/spec/history.md): names that keep a version forever (V8), and
 * indexes for reading one item's edits newest first, the space's versions by time, and its
 * deletions by time (V11).
 */
export const HISTORY_SCHEMA_STEP =
  'CREATE TABLE version_names (item_id TEXT NOT NULL, stamp TEXT NOT NULL, name TEXT NOT NULL,' +
  ' named_by TEXT NOT NULL, named_at INTEGER NOT NULL, PRIMARY KEY (item_id, stamp));' +
  'CREATE INDEX field_versions_by_item_stamp ON field_versions (item_id, stamp);' +
  'CREATE INDEX field_versions_by_at ON field_versions (at);' +
  'CREATE INDEX field_versions_by_field_at ON field_versions (field, at)';

/** What to call an author who is no longer a member of the space. */
export const FORMER_MEMBER = 'a former member';

/** Reads of one item's history over the space's SQLite; the shaping is pure (#shared/history). */
export class ItemHistory {
  constructor(private readonly sql: SqlStorage) {}

  /** The page of edits of `item` older than `before` (newest first), at most `limit` of them. */
  page(item: ItemState, before: string | null, limit: number): HistoryResponse {
    const stamps = this.sql
      .exec<{ stamp: string }>(
        `SELECT DISTINCT stamp FROM field_versions WHERE item_id = ? AND stamp < ? ORDER BY stamp DESC LIMIT ?`,
        item.id,
        before ?? '~',
        limit + 1,
      )
      .toArray()
      .map((row) => row.stamp);
    const more = stamps.length > limit;
    const shown = stamps.slice(0, limit);
    const versions = this.rows(
      `SELECT * FROM field_versions WHERE item_id = ? AND stamp IN (SELECT value FROM json_each(?))`,
      item.id,
      JSON.stringify(shown),
    );
    const bases = this.versionsAt(
      item.id,
      versions.flatMap((version) => (version.base === null ? [] : [[version.field, version.base]])),
    );
    const members = new Map(
      this.sql
        .exec<{ user_id: string; username: string }>('SELECT user_id, username FROM members')
        .toArray()
        .map((row) => [row.user_id, row.username]),
    );
    const names = new Map(
      this.sql
        .exec<{ stamp: string; name: string }>(
          'SELECT stamp, name FROM version_names WHERE item_id = ?',
          item.id,
        )
        .toArray()
        .map((row) => [row.stamp, row.name]),
    );
    const edits = historyEdits(versions, {
      current: item,
      bases,
      names,
      authorName: (userId) => members.get(userId) ?? FORMER_MEMBER,
      checkouts: checkoutsOf(this.sql, item.id),
    });
    return { item, edits, more };
  }

  /** The versions a restore of edit `stamp` reads (V5–V7). */
  restoreInputs(current: ItemState, stamp: string): RestoreInputs {
    const edit = this.rows('SELECT * FROM field_versions WHERE item_id = ? AND stamp = ?', current.id, stamp);
    // Per field, the newest version at or before the stamp that was ever the field's value: a
    // write merged into another version (S37) never was, the merge was.
    const earlier = this.rows(
      `SELECT f.* FROM field_versions f WHERE f.item_id = ?1 AND f.stamp = (
         SELECT MAX(g.stamp) FROM field_versions g
         WHERE g.item_id = f.item_id AND g.field = f.field AND g.stamp <= ?2
           AND NOT EXISTS (SELECT 1 FROM field_versions m
                           WHERE m.item_id = g.item_id AND m.field = g.field AND m.merged_from = g.stamp))`,
      current.id,
      stamp,
    );
    const written = new Set(edit.map((version) => version.field));
    const asOf = [...edit, ...earlier.filter((version) => !written.has(version.field))];
    const bases = this.versionsAt(
      current.id,
      edit.flatMap((version) => (version.base === null ? [] : [[version.field, version.base]])),
    );
    return { current, edit, asOf, bases };
  }

  /** True when the item has an edit with this stamp. */
  hasEdit(itemId: string, stamp: string): boolean {
    return (
      this.sql
        .exec('SELECT 1 FROM field_versions WHERE item_id = ? AND stamp = ? LIMIT 1', itemId, stamp)
        .toArray().length > 0
    );
  }

  /** Names version `stamp` of the item (V8), or takes its name away (`name` null). */
  setName(itemId: string, stamp: string, name: string | null, userId: string, now: number): void {
    if (name === null) {
      this.sql.exec('DELETE FROM version_names WHERE item_id = ? AND stamp = ?', itemId, stamp);
      return;
    }
    this.sql.exec(
      `INSERT INTO version_names (item_id, stamp, name, named_by, named_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (item_id, stamp) DO UPDATE SET name = excluded.name, named_by = excluded.named_by,
         named_at = excluded.named_at`,
      itemId,
      stamp,
      name,
      userId,
      now,
    );
  }

  /** The versions of `item` at the given (field, stamp) pairs that the store still holds. */
  private versionsAt(itemId: string, keys: string[][]): FieldVersion[] {
    if (keys.length === 0) return [];
    return this.rows(
      `SELECT f.* FROM field_versions f JOIN json_each(?2) AS k
         ON f.item_id = ?1 AND f.field = k.value ->> 0 AND f.stamp = k.value ->> 1`,
      itemId,
      JSON.stringify(keys),
    );
  }

  private rows(query: string, ...bindings: unknown[]): FieldVersion[] {
    const texts = new PackedTexts(this.sql);
    return this.sql
      .exec<VersionRow>(query, ...bindings)
      .toArray()
      .map((row) => versionOf(row, texts));
  }
}
