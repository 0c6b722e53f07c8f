import type { LockSummary } from '#shared/locks/schemas';
import type { HeldLock } from './held-lock';

/** One lock's line in the lock manager. */
export interface LockRow {
  summary: LockSummary;
  /** This tab holds it (and renews it). */
  mine: HeldLock | null;
  /** This tab waits in line for it. */
  waiting: boolean;
}

/** The locks the manager lists, by name: held or contended ones, and those this tab holds or waits for. */
export function listedLocks(
  summaries: ReadonlyMap<string, LockSummary>,
  held: ReadonlyMap<string, HeldLock>,
  waiting: ReadonlySet<string>,
): LockRow[] {
  return [...summaries.values()]
    .filter(
      (summary) =>
        summary.holder !== null ||
        summary.queueLength > 0 ||
        held.has(summary.name) ||
        waiting.has(summary.name),
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((summary) => ({
      summary,
      mine: held.get(summary.name) ?? null,
      waiting: waiting.has(summary.name),
    }));
}
