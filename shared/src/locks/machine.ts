import { LOCK_HTTP_WAITER_QUIET_MS, LOCK_QUEUE_MAX, LOCK_SERVED_MEMORY } from './limits';
import type { NoticeKind } from '../notices/schemas';
import type { AcquireResponse, LockEventKind, LockHolder, LockKind, LockOwner, LockVia } from './schemas';

/** Where the machine reads the time. Durable Objects pass `Date.now`; tests pass a fake. */
export interface Clock {
  now(): number;
}

/**
 * The grant of the current holder: a lease (`expiresAt`, renewed or it runs out) or a checkout
 * (`expiresAt` and `ttlMs` null: held until released or broken, rule L19).
 */
export interface Lease {
  token: number;
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  /** The front that took it (rule L20). */
  via: LockVia;
  grantedAt: number;
  expiresAt: number | null;
  ttlMs: number | null;
  /** The connection that asked, when it asked over a socket; its grant is pushed there. */
  connId: string | null;
}

/** A caller waiting in line (rule L7). */
export interface Waiter {
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  via: LockVia;
  /** Null for a checkout. */
  ttlMs: number | null;
  enqueuedAt: number;
  /** When the caller stops waiting. */
  deadline: number;
  connId: string | null;
  /** When an HTTP waiter last asked (rule L14); absent until it asks again. */
  seenAt?: number;
}

/** Someone asked the current holder to release (L26); cleared when the holder changes. */
export interface Ask {
  owner: LockOwner;
  message: string;
  at: number;
  /** When the holder answered ("5 more minutes"), or null while unanswered. */
  answeredAt: number | null;
}

/**
 * Everything one lock knows, as plain JSON: the adapter persists it whole after every command,
 * so a crash or eviction resumes exactly where the last answered command left off.
 */
export interface LockState {
  /** The highest token ever issued; never decreases (rule L3). */
  lastToken: number;
  rev: number;
  holder: Lease | null;
  queue: Waiter[];
  /** The last grants by request id, so that a retried acquire is recognised (rule L9). */
  served: { requestId: string; userId: string; token: number }[];
  /** Asks to the current holder (L26). */
  asks: Ask[];
  /** Who wants to be told once when the current grant ends, without waiting in line (L28). */
  watchers: LockOwner[];
}

/** Whom a change must be told to, personally (a notice, L26–L29), and what. */
export interface ChangeNotice {
  userIds: string[];
  kind: NoticeKind;
  /** The username of who caused it, or null when time did. */
  from: string | null;
  message: string;
  askerId?: string;
  requestId?: string;
  token?: number;
}

/** Something that happened to the lock: a history line (rule L10) and a live event. */
export interface LockChange {
  kind: LockEventKind;
  at: number;
  token: number | null;
  requestId: string | null;
  actor: LockOwner | null;
  /** The front of the grant or request concerned (rule L20). */
  via: LockVia | null;
  detail: string;
  /** The socket to tell: the grantee's for a grant, the holder's for an expiry or a break. */
  connId: string | null;
  /** Someone to tell personally (L26–L29). */
  notify?: ChangeNotice;
}

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

/** A lock that was never granted. */
export function emptyLockState(): LockState {
  return { lastToken: 0, rev: 0, holder: null, queue: [], served: [], asks: [], watchers: [] };
}

/** The public view of a lease. */
export function holderOf(lease: Lease): LockHolder {
  return {
    userId: lease.owner.userId,
    username: lease.owner.username,
    token: lease.token,
    kind: lease.kind,
    via: lease.via,
    grantedAt: lease.grantedAt,
    expiresAt: lease.expiresAt,
  };
}

/**
 * The lease-and-queue state machine of one lock (rules L1–L10), pure and synchronous: the
 * caller serialises commands (a Durable Object does), persists {@link state} after each one,
 * and hands the {@link drain}ed changes to history, fence and live events. Every command
 * first applies what time has done (expiry, waiter timeouts), because alarms can be late (L6).
 */
export class LockMachine {
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
      this.record(
        'expired',
        now,
        holder,
        holder.requestId,
        holder.owner,
        `lease of ${holder.ttlMs} ms ran out`,
        holder.connId,
      );
    }
    const stillWaiting: Waiter[] = [];
    for (const waiter of this.state.queue) {
      if (waiter.deadline <= now)
        this.record('left_queue', now, waiter, waiter.requestId, waiter.owner, 'timed out', null);
      else stillWaiting.push(waiter);
    }
    this.state.queue = stillWaiting;
    this.grantNext(now);
  }

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
      const lease = this.grant(input, now, false);
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
      this.record(
        'queued',
        now,
        waiter,
        input.requestId,
        input.owner,
        `position ${queue.length}`,
        input.connId,
      );
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
    this.record(
      'renewed',
      now,
      holder,
      holder.requestId,
      holder.owner,
      `until ${new Date(holder.expiresAt).toISOString()}`,
      null,
    );
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
    this.record('released', now, holder, holder.requestId, holder.owner, input.comment ?? '', null);
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
    this.record('broken', now, holder, holder.requestId, input.by, detail, holder.connId);
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
    this.record('broken', now, holder, holder.requestId, holder.owner, input.detail, holder.connId);
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

  private seen(waiter: Waiter, now: number): void {
    waiter.seenAt = now;
    this.dirty = true;
  }

  private removeWaiters(match: (waiter: Waiter) => boolean, why: string): number {
    const now = this.clock.now();
    const before = this.state.queue.length;
    this.state.queue = this.state.queue.filter((waiter) => {
      if (!match(waiter)) return true;
      this.record('left_queue', now, waiter, waiter.requestId, waiter.owner, why, null);
      return false;
    });
    return before - this.state.queue.length;
  }

  private moveTo(entry: { connId: string | null }, connId: string | null): void {
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
        this.record('left_queue', now, next, next.requestId, next.owner, 'stopped asking', null);
        continue;
      }
      this.grant(next, now, true);
      return;
    }
  }

  /** Grants the lock. A waiter (`push`) is told on its socket; a direct grant is in the acquire's answer. */
  protected grant(
    request: {
      requestId: string;
      owner: LockOwner;
      kind: LockKind;
      via: LockVia;
      ttlMs: number | null;
      connId: string | null;
      version?: number;
    },
    now: number,
    push: boolean,
  ): Lease {
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
    const change = this.record(
      'granted',
      now,
      lease,
      request.requestId,
      request.owner,
      (ttlMs === null ? 'checkout until released' : `lease of ${ttlMs} ms`) +
        (request.version === undefined ? '' : `, on version ${request.version}`),
      push ? request.connId : null,
    );
    // L28: a waiter whose turn came is told personally (its tab may be in the background).
    if (push) {
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

  /** `about` is the grant (its token and front) or the waiter (its front only) the change concerns. */
  protected record(
    kind: LockEventKind,
    at: number,
    about: { token?: number; via: LockVia },
    requestId: string | null,
    actor: LockOwner | null,
    detail: string,
    connId: string | null,
  ): LockChange {
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

function endWords(kind: 'released' | 'expired' | 'broken', who: string | null): string {
  if (kind === 'expired') return 'it ran out';
  return `${who ?? 'someone'} ${kind === 'released' ? 'released' : 'broke'} it`;
}
