import { randomToken } from '../kernel/crypto';
import type { RewindJob, RewindRequest } from '#shared/history/rewind';
import { applyRewind, changedSince, planRewind, type RewindDeps } from './rewind';
import { forgetUndo, rememberBefore, rememberWritten, rollbackStep } from './rewind-rollback';

/**
 * Schema step of background rewinds (docs/spec/history.md V20): one row per job, with the last
 * item id it reached, so a job goes on after a restart from where it was.
 */
export const REWIND_SCHEMA_STEP =
  'CREATE TABLE rewind_jobs (id TEXT PRIMARY KEY, at INTEGER NOT NULL, folder TEXT, user_id TEXT NOT NULL,' +
  ' state TEXT NOT NULL, cursor TEXT NOT NULL, items INTEGER NOT NULL, edits INTEGER NOT NULL,' +
  ' skipped TEXT NOT NULL, total INTEGER NOT NULL, created_at INTEGER NOT NULL)';

/** Items one alarm step looks at: one plan, one or a few pushes. */
export const ITEMS_PER_STEP = 500;

type JobRow = {
  id: string;
  at: number;
  folder: string | null;
  user_id: string;
  state: string;
  cursor: string;
  items: number;
  edits: number;
  skipped: string;
  total: number;
  created_at: number;
  rolled_back: number;
};

/** Background rewinds over the space's SQLite; each step is planned and applied like a small rewind. */
export class RewindJobs {
  constructor(private readonly sql: SqlStorage) {}

  /** Starts a job for `total` changed items. */
  start(request: RewindRequest, userId: string, total: number, now: number): void {
    const id = randomToken(12);
    this.sql.exec(
      `INSERT INTO rewind_jobs (id, at, folder, user_id, state, cursor, items, edits, skipped, total, created_at)
       VALUES (?, ?, ?, ?, 'running', '', 0, 0, '[]', ?, ?)`,
      id,
      request.at,
      request.folder ?? null,
      userId,
      total,
      now,
    );
  }

  /** The newest job, as people read it, or null. */
  latest(nameOf: (userId: string) => string): RewindJob | null {
    const row = this.sql
      .exec<JobRow>('SELECT * FROM rewind_jobs ORDER BY created_at DESC LIMIT 1')
      .toArray()[0];
    return row ? jobOf(row, nameOf) : null;
  }

  /** True while a job runs or rolls back. */
  running(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM rewind_jobs WHERE state IN ('running', 'rolling-back') LIMIT 1").toArray()
        .length > 0
    );
  }

  /**
   * Cancels the running job (V22): it stops after the step it is in, and the next steps put the
   * items it already rewound back as they were before it. Answers true when a job was running.
   */
  cancel(): boolean {
    return (
      this.sql.exec("UPDATE rewind_jobs SET state = 'rolling-back' WHERE state = 'running'").rowsWritten > 0
    );
  }

  /** One step of the running job, or of its rollback; answers true when more steps follow. */
  async step(deps: RewindDeps): Promise<boolean> {
    const row = this.sql
      .exec<JobRow>("SELECT * FROM rewind_jobs WHERE state IN ('running', 'rolling-back') LIMIT 1")
      .toArray()[0];
    if (!row) return false;
    if (row.state === 'rolling-back') return this.rollback(deps, row);
    const request = { at: row.at, ...(row.folder === null ? {} : { folder: row.folder }) };
    const ids = changedSince(deps.sql, row.at, row.cursor, ITEMS_PER_STEP);
    const { answer, edits } = planRewind(deps, request, row.user_id, ids);
    // What each item was before goes first, so a cancel (or a crash, then a cancel) can put it back.
    rememberBefore(this.sql, deps, row.id, edits);
    // Applying a step twice (a restart between its pushes and this row) changes nothing more.
    await applyRewind(deps, edits, row.user_id);
    rememberWritten(this.sql, deps, row.id, edits);
    const skipped = [...(JSON.parse(row.skipped) as RewindJob['skipped']), ...answer.skipped];
    const more = ids.length === ITEMS_PER_STEP;
    this.sql.exec(
      `UPDATE rewind_jobs SET cursor = ?, items = items + ?, edits = edits + ?, skipped = ?,
         state = CASE WHEN state = 'running' AND ? = 0 THEN 'done' ELSE state END WHERE id = ?`,
      ids.at(-1) ?? row.cursor,
      ids.length,
      edits.length,
      JSON.stringify(skipped),
      more ? 1 : 0,
      row.id,
    );
    const finished = this.sql.exec("SELECT 1 FROM rewind_jobs WHERE id = ? AND state = 'done'", row.id);
    if (finished.toArray().length > 0) forgetUndo(this.sql, row.id);
    return this.running();
  }

  private async rollback(deps: RewindDeps, row: JobRow): Promise<boolean> {
    const { rolledBack, more } = await rollbackStep(this.sql, deps, row.id, row.user_id);
    this.sql.exec(
      `UPDATE rewind_jobs SET rolled_back = rolled_back + ?,
         state = CASE WHEN ? = 0 THEN 'cancelled' ELSE state END WHERE id = ?`,
      rolledBack,
      more ? 1 : 0,
      row.id,
    );
    return more;
  }
}

function jobOf(row: JobRow, nameOf: (userId: string) => string): RewindJob {
  const state =
    row.state === 'done' || row.state === 'cancelled' || row.state === 'rolling-back' ? row.state : 'running';
  return {
    jobId: row.id,
    at: row.at,
    folder: row.folder,
    state,
    items: row.items,
    total: row.total,
    edits: row.edits,
    skipped: JSON.parse(row.skipped) as RewindJob['skipped'],
    startedBy: nameOf(row.user_id),
    rolledBack: row.rolled_back,
  };
}
