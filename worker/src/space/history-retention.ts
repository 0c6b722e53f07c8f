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

  /** How much the history takes (V14): not counted against the quota. */
  usage(): HistoryUsage {
    const row = this.sql
      .exec<{ n: number; bytes: number | null }>(
        'SELECT COUNT(*) AS n, SUM(LENGTH(value) + COALESCE(LENGTH(op), 0) + LENGTH(stamp) * 3) AS bytes FROM field_versions',
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
    return plan.drop.length;
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
