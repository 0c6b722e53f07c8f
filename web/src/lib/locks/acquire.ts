import * as v from 'valibot';
import {
  AcquireResponseSchema,
  CancelResponseSchema,
  LockHolderSchema,
  type AcquireResponse,
  type LockEventMessage,
  type LockHolder,
  type LockKind,
} from '#shared/locks/schemas';
import { HeldLock } from './held-lock';
import { LockError, type LockChannel } from './lock-channel';

// Taking a lock over its socket (docs/spec/locks.md): ask, retry while the connection comes back
// (the same request id, so never a second grant, L9), and wait in line for the pushed grant.

/** What {@link acquireLock} answers. `left` when the caller left the line (its `signal`). */
export type AcquireAnswer =
  | { status: 'granted'; lock: HeldLock }
  /** `blockedBy`: another lock in the way (a folder check-out above, or one inside a folder, L21); `holder` is its holder. */
  | { status: 'busy'; holder: LockHolder; blockedBy?: string }
  | { status: 'timeout' }
  | { status: 'left' }
  /** L32: this device's copy is `changes` behind; sync up to `version` and ask again. */
  | { status: 'behind'; changes: number; version: number };

/** Options of {@link acquireLock}. */
export interface AcquireOptions {
  /** Lease length (1 s to 1 h; the server's default is 60 s). */
  ttlMs?: number;
  /** Wait in line up to this long (0: answer busy at once). */
  waitMs?: number;
  /** `checkout`: held until released or broken, no lease and no renewal (L19). Default `lease`. */
  kind?: LockKind;
  /** How far this device has pulled the space (L32): the server refuses a grant on an older copy. */
  seenSeq?: number;
  /** Renew automatically at a third of the lease (default true). */
  autoRenew?: boolean;
  /**
   * Called with this request's 1-based place in line each time the server answers `queued` (the
   * first answer, and again after a reconnect re-asks). The server does not push later positions,
   * and the lock events cannot tell who left the line ahead of us, so this is the last position
   * the server said.
   */
  onQueued?: (position: number) => void;
  /** Aborting it leaves the line (a cancel, L7); the acquire then answers `left`. */
  signal?: AbortSignal;
}

/** What an acquire asks for: a lease of `ttlMs`, or a checkout (L19). */
type AcquireTerms = { kind: LockKind } | { ttlMs: number };

/** Makes the held lock of a grant: its token, expiry and when the request that got it went out. */
type Hold = (token: number, expiresAt: number | null, sentAt: number) => AcquireAnswer;

const RECONNECT_GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to 2 s. */
function backoff(failures: number): number {
  return Math.min(2_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2);
}

function randomRequestId(): string {
  return `req-${crypto.randomUUID()}`;
}

/** One acquire in flight: its request id, and the grant pushed for it while it waits in line. */
class Request {
  id = randomRequestId();
  push: LockEventMessage | null = null;
  private wake: () => void = () => {};
  readonly onEvent = (event: LockEventMessage) => {
    if (event.kind === 'granted' && event.requestId === this.id) {
      this.push = event;
      this.wake();
    }
  };
  readonly onClose = () => this.wake();

  /** Asks anew with a fresh id (the old one's grant is over). */
  renewId(): void {
    this.id = randomRequestId();
  }

  /**
   * Waits in line: for the pushed grant (sent only once the fence has it, L11), a dropped socket
   * (then ask again: the server dropped us from the queue, L7), leaving, or the deadline.
   */
  waitForGrant(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (this.push) resolve();
      setTimeout(resolve, Math.max(0, deadline - Date.now()) + 50);
    });
  }
}

/**
 * Asks for the lock; while the lock service is unavailable (a dropped socket, a restarting
 * server) asks again with backoff until `giveUpAt`. A retry carries the same request id, so it
 * never makes a second grant or queue entry (L9).
 */
async function askWithRetry(
  channel: LockChannel,
  command: Record<string, unknown>,
  giveUpAt: number,
): Promise<AcquireResponse> {
  for (let failures = 0; ;) {
    try {
      return v.parse(AcquireResponseSchema, await channel.command(command));
    } catch (error) {
      if (!(error instanceof LockError) || error.code !== 'UNAVAILABLE' || Date.now() >= giveUpAt)
        throw error;
      await sleep(backoff(failures++));
    }
  }
}

/** Takes lock `name` on `channel`, waiting in line when `waitMs > 0`; a retry after a dropped connection reuses the request id (L9). */
export async function acquireLock(
  channel: LockChannel,
  name: string,
  options: AcquireOptions = {},
): Promise<AcquireAnswer> {
  const ttlMs = options.ttlMs ?? 60_000;
  const kind = options.kind ?? 'lease';
  const terms: AcquireTerms = kind === 'checkout' ? { kind } : { ttlMs };
  const autoRenew = options.autoRenew ?? true;
  const deadline = Date.now() + (options.waitMs ?? 0);
  // Reconnecting (a dropped socket, a restarting server) is retried a little past the deadline.
  const giveUpAt = deadline + RECONNECT_GRACE_MS;
  const request = new Request();
  const hold: Hold = (token, expiresAt, sentAt) => ({
    status: 'granted',
    lock: new HeldLock(channel, name, request.id, token, expiresAt, ttlMs, sentAt, autoRenew),
  });
  channel.listeners.add(request.onEvent);
  channel.closeListeners.add(request.onClose);
  options.signal?.addEventListener('abort', request.onClose);
  try {
    for (;;) {
      const sentAt = Date.now();
      const remaining = Math.max(0, deadline - sentAt);
      const answer = await askWithRetry(
        channel,
        {
          op: 'acquire',
          requestId: request.id,
          ...terms,
          ...(remaining > 0 ? { waitMs: remaining } : {}),
          ...(options.seenSeq === undefined ? {} : { seenSeq: options.seenSeq }),
        },
        giveUpAt,
      );
      if (answer.status === 'granted') return hold(answer.token, answer.expiresAt, sentAt);
      if (options.signal?.aborted) return await stopWaiting(channel, request.id, terms, hold, 'left');
      if (answer.status === 'busy') {
        const holder = v.parse(LockHolderSchema, answer.holder);
        return answer.blockedBy
          ? { status: 'busy', holder, blockedBy: answer.blockedBy }
          : { status: 'busy', holder };
      }
      if (answer.status === 'behind')
        return { status: 'behind', changes: answer.changes, version: answer.version };
      if (answer.status === 'ended') {
        // Granted and already over before we heard (we were away): ask anew while there is time.
        if (Date.now() >= deadline) return { status: 'timeout' };
        request.renewId();
        continue;
      }
      options.onQueued?.(answer.position);
      await request.waitForGrant(deadline);
      const push = request.push;
      if (push?.token) {
        // The lease runs from the grant; timing it from the push's arrival is late only by its one-way trip.
        const expiresAt = push.lock.holder ? push.lock.holder.expiresAt : Date.now() + ttlMs;
        return hold(push.token, kind === 'checkout' ? null : (expiresAt ?? Date.now() + ttlMs), Date.now());
      }
      if (options.signal?.aborted) return await stopWaiting(channel, request.id, terms, hold, 'left');
      if (Date.now() >= deadline) return await stopWaiting(channel, request.id, terms, hold, 'timeout');
    }
  } finally {
    channel.listeners.delete(request.onEvent);
    channel.closeListeners.delete(request.onClose);
    options.signal?.removeEventListener('abort', request.onClose);
  }
}

/** Leaves the queue; a grant that raced the cancel is kept and answered (L9 tells us). */
async function stopWaiting(
  channel: LockChannel,
  requestId: string,
  terms: AcquireTerms,
  hold: Hold,
  why: 'timeout' | 'left',
): Promise<AcquireAnswer> {
  try {
    const cancel = v.parse(CancelResponseSchema, await channel.command({ op: 'cancel', requestId }));
    // Still in line: now out of it. Otherwise the grant may have raced the cancel: ask for it
    // (a retry with the same id; it cannot make a new grant while the old one is remembered).
    if (cancel.status === 'cancelled') return { status: why };
    const sentAt = Date.now();
    const last = v.parse(
      AcquireResponseSchema,
      await channel.command({ op: 'acquire', requestId, ...terms }),
    );
    if (last.status === 'granted') return hold(last.token, last.expiresAt, sentAt);
  } catch (error) {
    if (!(error instanceof LockError)) throw error;
  }
  return { status: why };
}
