import { LOCK_HTTP_WAITER_QUIET_MS, LOCK_SERVED_MEMORY } from './limits';
import type { Clock, Lease, LockChange, LockState, Waiter } from './lock-state';
import type { LockEventKind, LockKind, LockOwner, LockVia } from './schemas';

/**
 * The state of one lock and its book of changes: what time does to it (expiry, waiters' timeouts),
 * how a grant is made, and the history line (rule L10) each change leaves. The commands people
 * send are {@link LockMachine}'s.
 */
export class LockLedger {
  state: LockState;
  protected readonly clock: Clock;
  protected changes: LockChange[] = [];
  /** The state changed without a history line (a retry moved its socket); persist it all the same. */
  dirty = false;

  constructor(state: LockState, clock: Clock) {
    this.state = state;
    this.clock = clock;
  }

  /** The changes since the last drain, oldest first. */
  drain(): LockChange[] {
    const out = this.changes;
    this.changes = [];
    this.dirty = false;
    return out;
  }

  /** Whether this request is known already: held, waiting, or served (a retry, L9). */
  knows(requestId: string, userId: string): boolean {
    const { holder, queue, served } = this.state;
    return (
      (holder?.requestId === requestId && holder.owner.userId === userId) ||
      queue.some((w) => w.requestId === requestId && w.owner.userId === userId) ||
      served.some((s) => s.requestId === requestId && s.userId === userId)
    );
  }

  /** When time alone next changes something (lease expiry or a waiter's deadline), or null. */
  nextDeadline(): number | null {
    // A checkout has no deadline (L19): only waiters' timeouts remain.
    let next = this.state.holder?.expiresAt ?? Infinity;
    for (const waiter of this.state.queue) next = Math.min(next, waiter.deadline);
    return next === Infinity ? null : next;
  }

  /** Applies expiry and waiter timeouts up to now, then hands a free lock to the next waiter (L6, L7). */
  tick(): void {
    const now = this.clock.now();
    const holder = this.state.holder;
    if (holder && holder.expiresAt !== null && holder.expiresAt <= now) {
      this.state.holder = null;
      this.record({
        kind: 'expired',
        at: now,
        about: holder,
        requestId: holder.requestId,
        actor: holder.owner,
        detail: `lease of ${holder.ttlMs} ms ran out`,
        connId: holder.connId,
      });
    }
    const stillWaiting: Waiter[] = [];
    for (const waiter of this.state.queue) {
      if (waiter.deadline <= now)
        this.record({
          kind: 'left_queue',
          at: now,
          about: waiter,
          requestId: waiter.requestId,
          actor: waiter.owner,
          detail: 'timed out',
        });
      else stillWaiting.push(waiter);
    }
    this.state.queue = stillWaiting;
    this.grantNext(now);
  }

  protected seen(waiter: Waiter, now: number): void {
    waiter.seenAt = now;
    this.dirty = true;
  }

  protected removeWaiters(match: (waiter: Waiter) => boolean, why: string): number {
    const now = this.clock.now();
    const before = this.state.queue.length;
    this.state.queue = this.state.queue.filter((waiter) => {
      if (!match(waiter)) return true;
      this.record({
        kind: 'left_queue',
        at: now,
        about: waiter,
        requestId: waiter.requestId,
        actor: waiter.owner,
        detail: why,
      });
      return false;
    });
    return before - this.state.queue.length;
  }

  protected moveTo(entry: { connId: string | null }, connId: string | null): void {
    if (connId === null || entry.connId === connId) return;
    entry.connId = connId;
    this.dirty = true;
  }

  protected currentLease(token: number, userId: string): Lease | null {
    const holder = this.state.holder;
    return holder && holder.token === token && holder.owner.userId === userId ? holder : null;
  }

  protected grantNext(now: number): void {
    if (this.state.holder) return;
    for (let next = this.state.queue.shift(); next; next = this.state.queue.shift()) {
      // L14: an HTTP waiter that stopped asking is not handed a lease nobody would use.
      if (next.connId === null && (next.seenAt ?? next.enqueuedAt) + LOCK_HTTP_WAITER_QUIET_MS <= now) {
        this.record({
          kind: 'left_queue',
          at: now,
          about: next,
          requestId: next.requestId,
          actor: next.owner,
          detail: 'stopped asking',
        });
        continue;
      }
      this.grantWaiter(next, now);
      return;
    }
  }

  /** Grants the lock to a waiter whose turn came: told on its socket and personally (L28). */
  protected grantWaiter(request: GrantRequest, now: number): Lease {
    return this.grantLease(request, now, { toWaiter: true });
  }

  /** Grants the lock at once: the grant is in the acquire's answer. */
  protected grant(request: GrantRequest, now: number): Lease {
    return this.grantLease(request, now, { toWaiter: false });
  }

  private grantLease(request: GrantRequest, now: number, { toWaiter }: { toWaiter: boolean }): Lease {
    const token = this.state.lastToken + 1;
    this.state.lastToken = token;
    const ttlMs = request.kind === 'checkout' ? null : request.ttlMs;
    const lease: Lease = {
      token,
      requestId: request.requestId,
      owner: request.owner,
      kind: request.kind,
      via: request.via,
      grantedAt: now,
      expiresAt: ttlMs === null ? null : now + ttlMs,
      ttlMs,
      connId: request.connId,
    };
    this.state.holder = lease;
    this.state.asks = [];
    this.state.served.push({ requestId: request.requestId, userId: request.owner.userId, token });
    if (this.state.served.length > LOCK_SERVED_MEMORY) this.state.served.shift();
    const change = this.record({
      kind: 'granted',
      at: now,
      about: lease,
      requestId: request.requestId,
      actor: request.owner,
      detail:
        (ttlMs === null ? 'checkout until released' : `lease of ${ttlMs} ms`) +
        (request.version === undefined ? '' : `, on version ${request.version}`),
      connId: toWaiter ? request.connId : null,
    });
    // L28: a waiter whose turn came is told personally (its tab may be in the background).
    if (toWaiter) {
      change.notify = {
        userIds: [request.owner.userId],
        kind: 'granted',
        from: null,
        message: '',
        requestId: request.requestId,
        token,
      };
    }
    return lease;
  }

  /** One change of the lock, in its history and to tell: see {@link ChangeInput}. */
  protected record({
    kind,
    at,
    about,
    requestId = null,
    actor = null,
    detail = '',
    connId = null,
  }: ChangeInput): LockChange {
    this.state.rev += 1;
    const token = about.token ?? null;
    const change: LockChange = { kind, at, token, requestId, actor, via: about.via, detail, connId };
    const ended = kind === 'released' || kind === 'expired' || kind === 'broken';
    if (ended && this.state.watchers.length > 0) {
      // L28: those who asked to be told hear it once, then are forgotten.
      change.notify = {
        userIds: this.state.watchers.map((w) => w.userId),
        kind: 'free',
        from: kind === 'expired' ? null : (actor?.username ?? null),
        message: endWords(kind, actor?.username ?? null),
      };
      this.state.watchers = [];
    }
    this.changes.push(change);
    return change;
  }
}

/** What a grant is of: the request it answers. */
interface GrantRequest {
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  via: LockVia;
  ttlMs: number | null;
  connId: string | null;
  version?: number;
}

/** One change of a lock, as {@link LockLedger.record} takes it. */
interface ChangeInput {
  kind: LockEventKind;
  at: number;
  /** The grant (its token and front) or the waiter (its front only) the change concerns. */
  about: { token?: number; via: LockVia };
  requestId?: string | null;
  actor?: LockOwner | null;
  detail?: string;
  /** The socket to tell, if any. */
  connId?: string | null;
}

function endWords(kind: 'released' | 'expired' | 'broken', who: string | null): string {
  if (kind === 'expired') return 'it ran out';
  return `${who ?? 'someone'} ${kind === 'released' ? 'released' : 'broke'} it`;
}
