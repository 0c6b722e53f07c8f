import type { ActivityResponse } from '#shared/history/activity';

/**
 * The space's edits per bar from `from` to `to` (V23): an edit is one stamp of one item (the
 * fields one mutation wrote count once), read from the version store by its time index.
 */
export function activityOf(sql: SqlStorage, from: number, to: number, bucketMs: number): ActivityResponse {
  const buckets = sql
    .exec<{ at: number; edits: number }>(
      `SELECT CAST(at / ?1 AS INTEGER) * ?1 AS at, COUNT(DISTINCT item_id || '/' || stamp) AS edits
       FROM field_versions WHERE at >= ?2 AND at <= ?3 GROUP BY 1 ORDER BY 1`,
      bucketMs,
      from,
      to,
    )
    .toArray();
  return { from, to, bucketMs, buckets };
}
