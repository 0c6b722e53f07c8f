import { randomToken } from '../kernel/crypto';
import type { RewindJob, RewindRequest } from '#shared/history/rewind';
import { applyRewind, changedSince, planRewind, type RewindDeps } from './rewind';

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

  /** True while a job runs. */
  running(): boolean {
    return this.sql.exec("SELECT 1 FROM rewind_jobs WHERE state = 'running' LIMIT 1").toArray().length > 0;
  }

  /** Stops the running job after the step it is in; what it wrote stays (and can be rewound). */
  cancel(): boolean {
    return (
      this.sql.exec("UPDATE rewind_jobs SET state = 'cancelled' WHERE state = 'running'").rowsWritten > 0
    );
  }

  /** One step of the running job; answers true when more steps follow. */
  async step(deps: RewindDeps): Promise<boolean> {
    const row = this.sql
      .exec<JobRow>("SELECT * FROM rewind_jobs WHERE state = 'running' LIMIT 1")
      .toArray()[0];
    if (!row) return false;
    const request = { at: row.at, ...(row.folder === null ? {} : { folder: row.folder }) };
    const ids = changedSince(deps.sql, row.at, row.cursor, ITEMS_PER_STEP);
    const { answer, edits } = planRewind(deps, request, row.user_id, ids);
    // Applying a step twice (a restart between its pushes and this row) changes nothing more.
    await applyRewind(deps, edits, row.user_id);
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
    return more && this.running();
  }
}

function jobOf(row: JobRow, nameOf: (userId: string) => string): RewindJob {
  const state = row.state === 'done' || row.state === 'cancelled' ? row.state : 'running';
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
  };
}
