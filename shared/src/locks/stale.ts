import { STALE_ASK_UNANSWERED_MS } from '../notices/schemas';

/** Milliseconds in a day, for the stale rule (L31). */
export const DAY_MS = 86_400_000;

/**
 * Whether a check-out is stale (L31): a checkout (leases run out by themselves) whose last sign
 * of activity — its grant, or the space's last fenced write (`activeAt`) — is `staleAfterMs` old.
 * The lock's object decides with it; the app shows the same answer in the lock list.
 */
export function isStale(
  holder: { kind: 'lease' | 'checkout'; grantedAt: number },
  activeAt: number | null | undefined,
  staleAfterMs: number,
  now: number,
): boolean {
  return holder.kind === 'checkout' && now - Math.max(holder.grantedAt, activeAt ?? 0) >= staleAfterMs;
}

/** Whether an ask has gone unanswered long enough for its asker to take a stale checkout (L31). */
export function askOverdue(ask: { at: number; answered: boolean }, now: number): boolean {
  return !ask.answered && now - ask.at >= STALE_ASK_UNANSWERED_MS;
}
