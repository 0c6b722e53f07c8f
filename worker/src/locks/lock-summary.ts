import { LOCK_WAITERS_SHOWN } from '#shared/locks/limits';
import { holderOf, type LockState } from '#shared/locks/machine';
import type { LockSummary } from '#shared/locks/schemas';

/** Who holds or waits for the lock, once each. */
export function stakeOf({ holder, queue }: LockState): string[] {
  const users = queue.map((w) => w.owner.userId);
  if (holder) users.unshift(holder.owner.userId);
  return [...new Set(users)];
}

/** What everyone may see of lock `name`: holder, last token, the first waiters, the asks. */
export function summaryOf(name: string, { holder, lastToken, queue, rev, asks }: LockState): LockSummary {
  return {
    name,
    holder: holder ? holderOf(holder) : null,
    lastToken,
    queueLength: queue.length,
    waiters: queue.slice(0, LOCK_WAITERS_SHOWN).map((waiter) => waiter.owner),
    asks: asks.map((a) => ({ ...a.owner, at: a.at, answered: a.answeredAt !== null })),
    rev,
  };
}
