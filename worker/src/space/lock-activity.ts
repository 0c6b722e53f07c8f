import { STALE_DAYS_DEFAULT } from '#shared/notices/schemas';
import type { LockSummary } from '#shared/locks/schemas';
import { DAY_MS } from '#shared/locks/stale';

/**
 * Schema step: the last sign of activity on what each lock guards (a write that carried the lock's
 * token through the fence), for the stale rule (L31).
 */
export const LOCK_ACTIVITY_SCHEMA_STEP =
  'CREATE TABLE lock_activity (name TEXT PRIMARY KEY, at INTEGER NOT NULL)';

/** A space's stale rule and the activity it reads (L31). The rule is kept in the space's `meta`. */
export class LockActivity {
  constructor(private readonly sql: SqlStorage) {}

  /** A write carrying a lock's token went through the fence at `at`. */
  touch(name: string, at: number): void {
    this.sql.exec(
      'INSERT INTO lock_activity (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at)',
      name,
      at,
    );
  }

  activeAt(name: string): number | null {
    return (
      this.sql.exec<{ at: number }>('SELECT at FROM lock_activity WHERE name = ?', name).toArray()[0]?.at ??
      null
    );
  }

  staleAfterDays(): number {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'stale_after_days'")
      .toArray()[0];
    const days = Number(row?.value);
    return Number.isSafeInteger(days) && days > 0 ? days : STALE_DAYS_DEFAULT;
  }

  setStaleAfterDays(days: number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('stale_after_days', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(days),
    );
  }

  /** What a lock needs to decide whether its checkout is stale. */
  facts(name: string): { staleAfterMs: number; activeAt: number | null } {
    return { staleAfterMs: this.staleAfterDays() * DAY_MS, activeAt: this.activeAt(name) };
  }

  /**
   * The version of the item a lock names (the space's change number of its latest change) and how
   * many items changed after `after`; null when the lock names no item (L32).
   */
  itemVersion(name: string, after: number): { version: number; behind: number } | null {
    const row = this.sql.exec<{ seq: number }>('SELECT seq FROM sync_items WHERE id = ?', name).toArray()[0];
    if (!row) return null;
    const { behind } = this.sql
      .exec<{ behind: number }>('SELECT count(*) AS behind FROM sync_items WHERE seq > ?', after)
      .one();
    return { version: row.seq, behind };
  }

  /** The summaries with their last activity, for the lock list. */
  decorate(locks: LockSummary[]): LockSummary[] {
    return locks.map((lock) => {
      const at = this.activeAt(lock.name);
      return at === null ? lock : { ...lock, activeAt: at };
    });
  }
}
