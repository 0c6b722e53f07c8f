import { LOCK_QUEUE_MAX } from './limits';
import { LockLedger } from './ledger';
import { holderOf, type Waiter } from './lock-state';
import type { AcquireResponse, LockHolder, LockKind, LockOwner, LockVia } from './schemas';

export {
  emptyLockState,
  holderOf,
  type Ask,
  type ChangeNotice,
  type Clock,
  type Lease,
  type LockChange,
  type LockState,
  type Waiter,
} from './lock-state';

/** Input of {@link LockMachine.acquire}. */
export interface AcquireInput {
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  via: LockVia;
  /** The lease length; ignored for a checkout. */
  ttlMs: number;
  waitMs: number;
  connId: string | null;
  /** The item's version the caller's copy is at, named in the grant's history line (L32). */
  version?: number;
}

/** The answer to an acquire, without the lock's name (the adapter adds it). */
export type AcquireOutcome = DistributiveOmit<AcquireResponse, 'name'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The answer to renew: the new expiry, or not held by that token and user (rule L4). */
export type RenewOutcome =
  { status: 'renewed'; token: number; expiresAt: number | null } | { status: 'not_held' };
/** The answer to release (rule L5). */
export type ReleaseOutcome = { status: 'released'; token: number } | { status: 'not_held' };
/** The answer to a break (rule L8). */
export type BreakOutcome = { status: 'broken'; token: number; holder: LockHolder } | { status: 'not_held' };
/** The answer to a cancel (rule L7). */
export type CancelOutcome = { status: 'cancelled' | 'not_queued' };

/**
 * The lease-and-queue state machine of one lock (rules L1–L10), pure and synchronous: the
 * caller serialises commands (a Durable Object does), persists {@link state} after each one,
 * and hands the {@link drain}ed changes to history, fence and live events. Every command
 * first applies what time has done (expiry, waiter timeouts), because alarms can be late (L6).
 */
export class LockMachine extends LockLedger {
  /** Takes the lock, or queues for it when `waitMs > 0`, or answers busy (L2, L7, L9). */
  acquire(input: AcquireInput): AcquireOutcome {
    this.tick();
    const now = this.clock.now();
    const { holder, queue } = this.state;
    const mine = (r: { requestId: string; userId?: string; owner?: LockOwner }) =>
      r.requestId === input.requestId && (r.userId ?? r.owner?.userId) === input.owner.userId;

    // L9: a retry answers what the first attempt got, and never adds a grant or a queue entry.
    // A retry on a new socket (the old one dropped) moves the pushes to that socket.
    if (holder && mine(holder)) {
      this.moveTo(holder, input.connId);
      return {
        status: 'granted',
        requestId: holder.requestId,
        token: holder.token,
        expiresAt: holder.expiresAt,
      };
    }
    const queuedAt = queue.findIndex(mine);
    if (queuedAt >= 0) {
      this.moveTo(queue[queuedAt]!, input.connId);
      if (input.connId === null) this.seen(queue[queuedAt]!, now);
      return { status: 'queued', requestId: input.requestId, position: queuedAt + 1 };
    }
    const served = this.state.served.find(mine);
    if (served) return { status: 'ended', requestId: served.requestId, token: served.token };

    if (!holder) {
      const lease = this.grant(input, now);
      return {
        status: 'granted',
        requestId: lease.requestId,
        token: lease.token,
        expiresAt: lease.expiresAt,
      };
    }
    if (input.waitMs > 0 && queue.length < LOCK_QUEUE_MAX) {
      const waiter: Waiter = {
        requestId: input.requestId,
        owner: input.owner,
        kind: input.kind,
        via: input.via,
        ttlMs: input.kind === 'checkout' ? null : input.ttlMs,
        enqueuedAt: now,
        deadline: now + input.waitMs,
        connId: input.connId,
      };
      queue.push(waiter);
      this.record({
        kind: 'queued',
        at: now,
        about: waiter,
        requestId: input.requestId,
        actor: input.owner,
        detail: `position ${queue.length}`,
        connId: input.connId,
      });
      return { status: 'queued', requestId: input.requestId, position: queue.length };
    }
    return { status: 'busy', holder: holderOf(holder), expiresAt: holder.expiresAt };
  }

  /**
   * Extends the lease, only for the current holder with the current token (L4). A checkout has
   * nothing to extend: its holder is answered with no expiry and nothing changes (L19).
   */
  renew(input: { token: number; userId: string; ttlMs: number | undefined }): RenewOutcome {
    this.tick();
    const holder = this.currentLease(input.token, input.userId);
    if (!holder) return { status: 'not_held' };
    if (holder.ttlMs === null) return { status: 'renewed', token: holder.token, expiresAt: null };
    const now = this.clock.now();
    holder.ttlMs = input.ttlMs ?? holder.ttlMs;
    holder.expiresAt = now + holder.ttlMs;
    this.record({
      kind: 'renewed',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: holder.owner,
      detail: `until ${new Date(holder.expiresAt).toISOString()}`,
    });
    return { status: 'renewed', token: holder.token, expiresAt: holder.expiresAt };
  }

  /** Frees the lock, only for the holder with its token (L5); the next waiter is granted. */
  release(input: { token: number; userId: string; comment?: string }): ReleaseOutcome {
    this.tick();
    const holder = this.currentLease(input.token, input.userId);
    if (!holder) return { status: 'not_held' };
    const now = this.clock.now();
    this.state.holder = null;
    // L30: a check-in comment is the detail of the release line.
    this.record({
      kind: 'released',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: holder.owner,
      detail: input.comment ?? '',
    });
    this.grantNext(now);
    return { status: 'released', token: holder.token };
  }

  /** A space owner ends the current lease whoever holds it (L8); the next waiter is granted. */
  breakLock(input: { by: LockOwner; reason: string }): BreakOutcome {
    this.tick();
    const holder = this.state.holder;
    if (!holder) return { status: 'not_held' };
    const now = this.clock.now();
    this.state.holder = null;
    const what = holder.kind === 'checkout' ? 'checkout' : 'lease';
    const detail = `broke the ${what} of ${holder.owner.username}${input.reason ? `: ${input.reason}` : ''}`;
    this.record({
      kind: 'broken',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: input.by,
      detail,
      connId: holder.connId,
    });
    this.grantNext(now);
    return { status: 'broken', token: holder.token, holder: holderOf(holder) };
  }

  /** Takes a waiting request out of the queue (L7). */
  cancel(input: { requestId: string; userId: string }): CancelOutcome {
    this.tick();
    return this.removeWaiters(
      (w) => w.requestId === input.requestId && w.owner.userId === input.userId,
      'cancelled',
    ) > 0
      ? { status: 'cancelled' }
      : { status: 'not_queued' };
  }

  /** A socket closed: its waiters leave the queue (L7). A lease it holds stays until it runs out, a checkout until released. */
  disconnect(connId: string): void {
    this.tick();
    this.removeWaiters((w) => w.connId === connId, 'disconnected');
  }

  /**
   * A member lost the right to lock (removed from the space, or lowered below editor): their
   * waiters leave the queue and their lease ends at once, recorded with `detail` (L13). Waiters go
   * first, so that ending the lease cannot hand it to another of their requests.
   */
  evict(input: { userId: string; detail: string }): { left: number; endedToken: number | null } {
    const left = this.removeWaiters((w) => w.owner.userId === input.userId, input.detail);
    this.tick();
    const holder = this.state.holder;
    if (!holder || holder.owner.userId !== input.userId) return { left, endedToken: null };
    const now = this.clock.now();
    this.state.holder = null;
    this.record({
      kind: 'broken',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: holder.owner,
      detail: input.detail,
      connId: holder.connId,
    });
    this.grantNext(now);
    return { left, endedToken: holder.token };
  }

  /** Waiters whose sockets are gone (lost in a restart) leave before anything is granted (L14). */
  dropConnections(connIds: ReadonlySet<string>): void {
    this.removeWaiters(
      (w) => w.connId !== null && connIds.has(w.connId),
      'its connection was lost in a restart',
    );
  }
}
