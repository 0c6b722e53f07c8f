import type { Stamp } from '#shared/sync/hlc';
import type { TextOp } from '#shared/sync/text-ops';
import type { FieldVersion, VersionFront, VersionStore } from '#shared/sync/versions';
import { jsonChunks } from './json-chunks';
import { FULL_EVERY, packAgainst, PackedTexts } from './version-packing';
import { recordCheckouts } from './version-checkouts';

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
  /** The edit from the successor's text back to this one, where the version is packed (V21). */
  delta: string | null;
  run: number;
};

/** How a version is written: its value column and, when packed (V21), its delta. */
type Kept = { value: string; delta: string | null };

/** A stored version as the pure code sees it; `texts` unpacks a packed text (V21). */
export function versionOf(row: VersionRow, texts: PackedTexts): FieldVersion {
  return {
    itemId: row.item_id,
    field: row.field,
    stamp: row.stamp,
    value: texts.valueOf(row),
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
 * transaction (S3), so remembering every version does not cost a statement per edit. A text
 * version that a newer one replaces is packed as it is written (V21); reads unpack it.
 */
export class BatchVersionStore implements VersionStore {
  private readonly added = new Map<string, FieldVersion>();
  private readonly links = new Map<
    string,
    { itemId: string; field: string; stamp: Stamp; next: Stamp; op: TextOp | null }
  >();
  /** The keys of linked versions, in the order they were linked (a run grows along them). */
  private readonly linkOrder: string[] = [];
  /** `run` of the stored versions read in this batch (V21). */
  private readonly storedRuns = new Map<string, number>();
  private readonly texts: PackedTexts;

  constructor(private readonly sql: SqlStorage) {
    this.texts = new PackedTexts(sql);
  }

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
    this.storedRuns.set(key, row.run);
    const version = versionOf(row, this.texts);
    const link = this.links.get(key);
    return link ? { ...version, next: link.next, op: link.op } : version;
  }

  add(version: FieldVersion): void {
    const key = this.key(version.itemId, version.field, version.stamp);
    if (!this.added.has(key)) this.added.set(key, version);
  }

  link(itemId: string, field: string, stamp: Stamp, next: Stamp, op: TextOp | null): void {
    const key = this.key(itemId, field, stamp);
    this.linkOrder.push(key);
    const added = this.added.get(key);
    if (added) this.added.set(key, { ...added, next, op });
    else this.links.set(key, { itemId, field, stamp, next, op });
  }

  /**
   * How each linked version is kept (V21): packed against the version that replaced it unless
   * FULL_EVERY packed ones are already behind it; and each version's run.
   */
  private packing(): { packed: Map<string, Kept>; runs: Map<string, number> } {
    const packed = new Map<string, Kept>();
    const runs = new Map<string, number>();
    for (const key of this.linkOrder) {
      const link = this.added.get(key) ?? this.links.get(key);
      if (!link || link.next === null) continue;
      const version = this.get(link.itemId, link.field, link.stamp);
      const next = this.get(link.itemId, link.field, link.next);
      if (!version || !next) continue;
      const run = runs.get(key) ?? this.storedRuns.get(key) ?? 0;
      const kept = run + 1 < FULL_EVERY ? packAgainst(link.field, version.value, next.value) : null;
      packed.set(key, kept ?? { value: JSON.stringify(version.value), delta: null });
      const nextKey = this.key(link.itemId, link.field, link.next);
      runs.set(nextKey, Math.max(runs.get(nextKey) ?? 0, kept ? run + 1 : 0));
    }
    return { packed, runs };
  }

  /** Writes the batch's versions and links (inside the caller's transaction). */
  flush(): void {
    if (this.added.size > 0) recordCheckouts(this.sql, [...this.added.values()]);
    const { packed, runs } = this.packing();
    const rows = [...this.added.entries()].map(([key, v]) => [
      v.itemId,
      v.field,
      v.stamp,
      packed.get(key)?.value ?? JSON.stringify(v.value),
      v.base,
      v.mergedFrom,
      v.next,
      v.op === null ? null : JSON.stringify(v.op),
      v.author,
      v.front,
      v.at,
      v.mutationId,
      packed.get(key)?.delta ?? null,
      runs.get(key) ?? 0,
    ]);
    for (const chunk of jsonChunks(rows)) {
      this.sql.exec(
        `INSERT OR IGNORE INTO field_versions
           (item_id, field, stamp, value, base, merged_from, next, op, author, front, at, mutation_id, delta, run)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11,
                value ->> 12, value ->> 13
         FROM json_each(?)`,
        chunk,
      );
    }
    const links = [...this.links.entries()].map(([key, l]) => [
      l.itemId,
      l.field,
      l.stamp,
      l.next,
      l.op === null ? null : JSON.stringify(l.op),
      packed.get(key)?.value ?? null,
      packed.get(key)?.delta ?? null,
    ]);
    for (const chunk of jsonChunks(links)) {
      this.sql.exec(
        `UPDATE field_versions SET next = j.value ->> 3, op = j.value ->> 4,
           value = COALESCE(j.value ->> 5, field_versions.value),
           delta = CASE WHEN j.value ->> 5 IS NULL THEN field_versions.delta ELSE j.value ->> 6 END
         FROM json_each(?) AS j
         WHERE item_id = j.value ->> 0 AND field = j.value ->> 1 AND stamp = j.value ->> 2`,
        chunk,
      );
    }
    this.added.clear();
    this.links.clear();
    this.linkOrder.length = 0;
  }
}
