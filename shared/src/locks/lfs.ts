import type { LockSummary } from './schemas';

/** A lock as the Git LFS File Locking API describes one (`id`, `path`, `locked_at`, `owner.name`). */
export interface LfsLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

/**
 * The Git LFS view of a held lock, or null when it is free. The id names one grant (path and
 * token), so that an unlock by id cannot end a later holder's lease.
 */
export function toLfsLock(lock: LockSummary): LfsLock | null {
  if (!lock.holder) return null;
  return {
    id: `${lock.holder.token}:${lock.name}`,
    path: lock.name,
    locked_at: new Date(lock.holder.grantedAt).toISOString(),
    owner: { name: lock.holder.username },
  };
}
