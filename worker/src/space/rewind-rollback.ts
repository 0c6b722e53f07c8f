import type { ItemState, JsonValue } from '#shared/sync/item';
import type { RewindDeps } from './rewind';
import type { ServerEdit } from './server-edit';

/**
 * Schema step of whole cancels (docs/spec/history.md V22): per job and item, the values and
 * stamps the item's fields had before the job wrote it, and the stamps the job wrote, so a
 * cancel puts back exactly what the job changed, after a restart too.
 */
export const REWIND_UNDO_SCHEMA_STEP =
  'CREATE TABLE rewind_undo (job_id TEXT NOT NULL, item_id TEXT NOT NULL, kind TEXT NOT NULL,' +
  ' before TEXT NOT NULL, written TEXT, PRIMARY KEY (job_id, item_id));' +
  'ALTER TABLE rewind_jobs ADD COLUMN rolled_back INTEGER NOT NULL DEFAULT 0';

/** Items one rollback step puts back. */
const ITEMS_PER_STEP = 500;

/** A field as it was: its value (null where it had none) and its stamp. */
type Before = Record<string, { v: JsonValue; s: string | null }>;

function stampsOf(item: ItemState | null, fields: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(fields.map((field) => [field, item?.fields[field]?.s ?? null]));
}

/** Remembers, before a step of job `jobId` writes `edits`, what each item's fields were. */
export function rememberBefore(
  sql: SqlStorage,
  deps: Pick<RewindDeps, 'item'>,
  jobId: string,
  edits: readonly ServerEdit[],
): void {
  const rows = edits.map((edit) => {
    const current = deps.item(edit.itemId);
    const before: Before = {};
    for (const field of Object.keys(edit.values))
      before[field] = { v: current?.fields[field]?.v ?? null, s: current?.fields[field]?.s ?? null };
    return [jobId, edit.itemId, edit.kind, JSON.stringify(before)];
  });
  if (rows.length === 0) return;
  // A step run again after a restart keeps the first record: that is the state before the job.
  sql.exec(
    `INSERT OR IGNORE INTO rewind_undo (job_id, item_id, kind, before)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)`,
    JSON.stringify(rows),
  );
}

/** Records the stamps a step of job `jobId` wrote, once its edits are applied. */
export function rememberWritten(
  sql: SqlStorage,
  deps: Pick<RewindDeps, 'item'>,
  jobId: string,
  edits: readonly ServerEdit[],
): void {
  const rows = edits.map((edit) => [
    jobId,
    edit.itemId,
    JSON.stringify(stampsOf(deps.item(edit.itemId), Object.keys(edit.values))),
  ]);
  if (rows.length === 0) return;
  sql.exec(
    `UPDATE rewind_undo SET written = j.value ->> 2 FROM json_each(?) AS j
     WHERE job_id = j.value ->> 0 AND item_id = j.value ->> 1`,
    JSON.stringify(rows),
  );
}

/**
 * One step of putting back what job `jobId` rewound (V22): per item, each field the job changed
 * goes back to its value before, as a new edit through the front `restore`. A field the job never
 * got to (its stamp is still the one before) or that someone changed after the job (its stamp is
 * not the one the job wrote) is left as it is. Answers how many items were put back and whether
 * more remain.
 */
export async function rollbackStep(
  sql: SqlStorage,
  deps: RewindDeps,
  jobId: string,
  userId: string,
): Promise<{ rolledBack: number; more: boolean }> {
  const rows = sql
    .exec<{ item_id: string; kind: string; before: string; written: string | null }>(
      'SELECT item_id, kind, before, written FROM rewind_undo WHERE job_id = ? ORDER BY item_id LIMIT ?',
      jobId,
      ITEMS_PER_STEP,
    )
    .toArray();
  const edits: ServerEdit[] = [];
  for (const row of rows) {
    const current = deps.item(row.item_id);
    const before = JSON.parse(row.before) as Before;
    const written = row.written === null ? null : (JSON.parse(row.written) as Record<string, string | null>);
    const values: Record<string, JsonValue> = {};
    for (const [field, was] of Object.entries(before)) {
      const now = current?.fields[field]?.s ?? null;
      if (now === was.s) continue;
      if (written !== null && written[field] !== now) continue;
      values[field] = was.v;
    }
    if (current && Object.keys(values).length > 0)
      edits.push({ itemId: row.item_id, kind: current.kind, values });
  }
  if (edits.length > 0) await deps.edit(edits, userId);
  // Put back twice (a restart between the edits and this delete) changes nothing more: the
  // stamps then no longer match what the job wrote.
  sql.exec(
    'DELETE FROM rewind_undo WHERE job_id = ? AND item_id IN (SELECT value FROM json_each(?))',
    jobId,
    JSON.stringify(rows.map((row) => row.item_id)),
  );
  return { rolledBack: edits.length, more: rows.length === ITEMS_PER_STEP };
}

/** Forgets what a finished job would have put back. */
export function forgetUndo(sql: SqlStorage, jobId: string): void {
  sql.exec('DELETE FROM rewind_undo WHERE job_id = ?', jobId);
}
