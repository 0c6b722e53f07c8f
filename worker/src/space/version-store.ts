import type { Stamp } from '#shared/sync/hlc';
import type { JsonValue } from '#shared/sync/item';
import type { TextOp } from '#shared/sync/text-ops';
import type { FieldVersion, VersionFront, VersionStore } from '#shared/sync/versions';
import { jsonChunks } from './json-chunks';

/**
 * Schema step of the version store (docs/spec/sync.md S36): every version of every field the
 * space applied, with who wrote it, when, through which front, the version it grew from, and
 * which version took its place (with the exact edit where a merge made it). Existing spaces start
 * with the current value of each field as its first version.
 */
export const VERSION_STORE_SCHEMA_STEP =
  'CREATE TABLE field_versions (item_id TEXT NOT NULL, field TEXT NOT NULL, stamp TEXT NOT NULL,' +
  ' value TEXT NOT NULL, base TEXT, merged_from TEXT, next TEXT, op TEXT, author TEXT NOT NULL,' +
  ' front TEXT NOT NULL, at INTEGER NOT NULL, mutation_id TEXT, PRIMARY KEY (item_id, field, stamp));' +
  'INSERT OR IGNORE INTO field_versions (item_id, field, stamp, value, author, front, at)' +
  " SELECT sync_items.id, f.key, f.value ->> '$.s', f.value -> '$.v', '', 'app', 0" +
  " FROM sync_items, json_each(sync_items.body, '$.fields') AS f";

/** A row of `field_versions` as SQLite answers it. */
export type VersionRow = {
  item_id: string;
  field: string;
  stamp: string;
  value: string;
  base: string | null;
  merged_from: string | null;
  next: string | null;
  op: string | null;
  author: string;
  front: string;
  at: number;
  mutation_id: string | null;
};

/** A stored version as the pure code sees it. */
export function versionOf(row: VersionRow): FieldVersion {
  return {
    itemId: row.item_id,
    field: row.field,
    stamp: row.stamp,
    value: JSON.parse(row.value) as JsonValue,
    base: row.base,
    mergedFrom: row.merged_from,
    next: row.next,
    op: row.op === null ? null : (JSON.parse(row.op) as TextOp),
    author: row.author,
    front: row.front as VersionFront,
    at: row.at,
    mutationId: row.mutation_id,
  };
}

/**
 * The versions of one batch over SQLite: new versions and links are kept in memory while the
 * batch is applied and written with a few statements by {@link flush}, inside the batch's
 * transaction (S3), so remembering every version does not cost a statement per edit.
 */
export class BatchVersionStore implements VersionStore {
  private readonly added = new Map<string, FieldVersion>();
  private readonly links = new Map<
    string,
    { itemId: string; field: string; stamp: Stamp; next: Stamp; op: TextOp | null }
  >();

  constructor(private readonly sql: SqlStorage) {}

  private key(itemId: string, field: string, stamp: Stamp): string {
    return JSON.stringify([itemId, field, stamp]);
  }

  get(itemId: string, field: string, stamp: Stamp): FieldVersion | null {
    const key = this.key(itemId, field, stamp);
    const added = this.added.get(key);
    if (added) return added;
    const row = this.sql
      .exec<VersionRow>(
        'SELECT * FROM field_versions WHERE item_id = ? AND field = ? AND stamp = ?',
        itemId,
        field,
        stamp,
      )
      .toArray()[0];
    if (!row) return null;
    const version = versionOf(row);
    const link = this.links.get(key);
    return link ? { ...version, next: link.next, op: link.op } : version;
  }

  add(version: FieldVersion): void {
    const key = this.key(version.itemId, version.field, version.stamp);
    if (!this.added.has(key)) this.added.set(key, version);
  }

  link(itemId: string, field: string, stamp: Stamp, next: Stamp, op: TextOp | null): void {
    const key = this.key(itemId, field, stamp);
    const added = this.added.get(key);
    if (added) this.added.set(key, { ...added, next, op });
    else this.links.set(key, { itemId, field, stamp, next, op });
  }

  /** Writes the batch's versions and links (inside the caller's transaction). */
  flush(): void {
    const rows = [...this.added.values()].map((v) => [
      v.itemId,
      v.field,
      v.stamp,
      JSON.stringify(v.value),
      v.base,
      v.mergedFrom,
      v.next,
      v.op === null ? null : JSON.stringify(v.op),
      v.author,
      v.front,
      v.at,
      v.mutationId,
    ]);
    for (const chunk of jsonChunks(rows)) {
      this.sql.exec(
        `INSERT OR IGNORE INTO field_versions
           (item_id, field, stamp, value, base, merged_from, next, op, author, front, at, mutation_id)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11
         FROM json_each(?)`,
        chunk,
      );
    }
    const links = [...this.links.values()].map((l) => [
      l.itemId,
      l.field,
      l.stamp,
      l.next,
      l.op === null ? null : JSON.stringify(l.op),
    ]);
    for (const chunk of jsonChunks(links)) {
      this.sql.exec(
        `UPDATE field_versions SET next = j.value ->> 3, op = j.value ->> 4
         FROM json_each(?) AS j
         WHERE item_id = j.value ->> 0 AND field = j.value ->> 1 AND stamp = j.value ->> 2`,
        chunk,
      );
    }
    this.added.clear();
    this.links.clear();
  }
}
