import * as v from 'valibot';
import {
  DEFAULT_RETENTION,
  planThinning,
  RetentionSchema,
  versionKeyText,
  type Retention,
  type VersionMeta,
} from '#shared/history/retention';
import type { HistoryUsage } from '#shared/history/settings';
import type { ItemState } from '#shared/sync/item';
import { PackedTexts, type PackedRow } from './version-packing';

const SETTINGS_KEY = 'history_retention';
const NEXT_RUN_KEY = 'history_thin_next';
/** How often the alarm thins the history. */
export const THIN_EVERY_MS = 24 * 3_600_000;
/** Items thinned per transaction, so one step never holds the object for long. */
const ITEMS_PER_STEP = 200;

type MetaRow = {
  item_id: string;
  field: string;
  stamp: string;
  at: number;
  base: string | null;
  merged_from: string | null;
  next: string | null;
};

/** Retention of the space's history (V13–V15) over its SQLite; the plan itself is pure. */
export class HistoryRetention {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  settings(): Retention {
    const row = this.sql
      .exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', SETTINGS_KEY)
      .toArray()[0];
    const parsed = row ? v.safeParse(RetentionSchema, JSON.parse(row.value)) : null;
    return parsed?.success ? parsed.output : DEFAULT_RETENTION;
  }

  setSettings(retention: Retention): void {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      SETTINGS_KEY,
      JSON.stringify(retention),
    );
  }

  /** When thinning runs next (ms), or null when it was never booked. */
  nextRun(): number | null {
    const row = this.sql
      .exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', NEXT_RUN_KEY)
      .toArray()[0];
    return row ? Number(row.value) : null;
  }

  setNextRun(at: number): void {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      NEXT_RUN_KEY,
      String(at),
    );
  }

  /**
   * How much the history takes (V14): the bytes of every column of every kept version, packed
   * as they are stored (V21). Not counted against the quota.
   */
  usage(itemId?: string): HistoryUsage {
    const row = this.sql
      .exec<{ n: number; bytes: number | null }>(
        `SELECT COUNT(*) AS n, SUM(LENGTH(CAST(item_id AS BLOB)) + LENGTH(CAST(field AS BLOB))
           + LENGTH(CAST(stamp AS BLOB)) + LENGTH(CAST(value AS BLOB)) + COALESCE(LENGTH(CAST(base AS BLOB)), 0)
           + COALESCE(LENGTH(CAST(merged_from AS BLOB)), 0) + COALESCE(LENGTH(CAST(next AS BLOB)), 0)
           + COALESCE(LENGTH(CAST(op AS BLOB)), 0) + LENGTH(CAST(author AS BLOB)) + LENGTH(CAST(front AS BLOB))
           + COALESCE(LENGTH(CAST(mutation_id AS BLOB)), 0) + COALESCE(LENGTH(CAST(delta AS BLOB)), 0) + 16) AS bytes
         FROM field_versions WHERE ?1 IS NULL OR item_id = ?1`,
        itemId ?? null,
      )
      .one();
    return { versions: row.n, bytes: row.bytes ?? 0 };
  }

  /** Thins every item's history at `now`, a step of items per transaction; answers how many versions went. */
  thin(now: number): number {
    const retention = this.settings();
    const copySources = this.copySources();
    let dropped = 0;
    let after = '';
    for (;;) {
      const ids = this.sql
        .exec<{ id: string }>(
          'SELECT id FROM sync_items WHERE id > ? ORDER BY id LIMIT ?',
          after,
          ITEMS_PER_STEP,
        )
        .toArray()
        .map((row) => row.id);
      if (ids.length === 0) return dropped;
      after = ids.at(-1) ?? '';
      dropped += this.storage.transactionSync(() => this.thinItems(ids, now, retention, copySources));
    }
  }

  private thinItems(
    ids: string[],
    now: number,
    retention: Retention,
    copySources: ReadonlySet<string>,
  ): number {
    const list = JSON.stringify(ids);
    const versions = this.sql
      .exec<MetaRow>(
        `SELECT item_id, field, stamp, at, base, merged_from, next FROM field_versions
         WHERE item_id IN (SELECT value FROM json_each(?))`,
        list,
      )
      .toArray()
      .map((row): VersionMeta => ({
        itemId: row.item_id,
        field: row.field,
        stamp: row.stamp,
        at: row.at,
        base: row.base,
        mergedFrom: row.merged_from,
        next: row.next,
      }));
    const current = new Set<string>();
    for (const row of this.sql.exec<{ body: string }>(
      'SELECT body FROM sync_items WHERE id IN (SELECT value FROM json_each(?))',
      list,
    )) {
      const item = JSON.parse(row.body) as ItemState;
      for (const [field, entry] of Object.entries(item.fields))
        current.add(versionKeyText(item.id, field, entry.s));
    }
    const named = this.namedStamps(list);
    const kept = new Set<string>();
    for (const version of versions) {
      const stamp = `${version.itemId}\u0000${version.stamp}`;
      if (named.has(stamp) || copySources.has(stamp))
        kept.add(versionKeyText(version.itemId, version.field, version.stamp));
    }
    const plan = planThinning(versions, now, retention, { current, kept });
    // A packed version whose successor goes is kept whole from now on (V21).
    const unpacked = this.unpack(plan.relink.map(({ key }) => key));
    if (plan.drop.length > 0) {
      this.sql.exec(
        `DELETE FROM field_versions WHERE (item_id, field, stamp) IN
           (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))`,
        JSON.stringify(plan.drop),
      );
    }
    if (plan.relink.length > 0) {
      this.sql.exec(
        `UPDATE field_versions SET next = j.value ->> 3, op = NULL FROM json_each(?) AS j
         WHERE item_id = j.value ->> 0 AND field = j.value ->> 1 AND stamp = j.value ->> 2`,
        JSON.stringify(plan.relink.map(({ key, next }) => [...key, next])),
      );
    }
    if (plan.drop.length > 0) {
      // Check-outs of edits no version is left of go with them (V24).
      this.sql.exec(
        `DELETE FROM version_checkouts WHERE item_id IN (SELECT value FROM json_each(?1))
           AND NOT EXISTS (SELECT 1 FROM field_versions f
                           WHERE f.item_id = version_checkouts.item_id AND f.stamp = version_checkouts.stamp)`,
        list,
      );
    }
    if (unpacked.length > 0) {
      this.sql.exec(
        `UPDATE field_versions SET value = j.value ->> 3, delta = NULL FROM json_each(?) AS j
         WHERE item_id = j.value ->> 0 AND field = j.value ->> 1 AND stamp = j.value ->> 2`,
        JSON.stringify(unpacked),
      );
    }
    return plan.drop.length;
  }

  /** The whole values of those of `keys` that are packed, read before their successors go. */
  private unpack(keys: readonly (readonly [string, string, string])[]): string[][] {
    if (keys.length === 0) return [];
    const texts = new PackedTexts(this.sql);
    return this.sql
      .exec<PackedRow>(
        `SELECT item_id, field, stamp, value, next, delta FROM field_versions
         WHERE delta IS NOT NULL AND (item_id, field, stamp) IN
           (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))`,
        JSON.stringify(keys),
      )
      .toArray()
      .map((row) => [row.item_id, row.field, row.stamp, JSON.stringify(texts.valueOf(row))]);
  }

  /** Item and stamp of named versions (V8). */
  private namedStamps(list: string): Set<string> {
    const named = new Set<string>();
    for (const row of this.sql.exec<{ item_id: string; stamp: string }>(
      'SELECT item_id, stamp FROM version_names WHERE item_id IN (SELECT value FROM json_each(?))',
      list,
    ))
      named.add(`${row.item_id}\u0000${row.stamp}`);
    return named;
  }

  /**
   * Item and stamp of the versions conflict copies came from (V15): a copy names the item it came
   * from and its fields carry the stamps of the versions it holds. Copies' ids hold a `~`.
   */
  private copySources(): Set<string> {
    const kept = new Set<string>();
    for (const row of this.sql.exec<{ body: string }>("SELECT body FROM sync_items WHERE id GLOB '*~*'")) {
      const copy = JSON.parse(row.body) as ItemState;
      if (!copy.conflict) continue;
      kept.add(`${copy.conflict.of}\u0000${copy.conflict.stamp}`);
      for (const entry of Object.values(copy.fields)) kept.add(`${copy.conflict.of}\u0000${entry.s}`);
    }
    return kept;
  }
}
