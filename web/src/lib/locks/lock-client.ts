import * as v from 'valibot';
import {
  AcquireResponseSchema,
  CancelResponseSchema,
  LockHolderSchema,
  LockListResponseSchema,
  LockSummarySchema,
  ReleaseResponseSchema,
  type LockEventMessage,
  type LockHolder,
  type LockKind,
  type LockSummary,
} from '#shared/locks/schemas';
import { ErrorBodySchema, type ErrorBody } from '#shared/errors';
import { HeldLock } from './held-lock';
import { LockChannel, LockError } from './lock-channel';

export { HeldLock, type LockLossReason } from './held-lock';
export { LockError } from './lock-channel';

/**
 * The lock client (docs/spec/locks.md): acquire (optionally waiting in line), automatic renewal
 * while held, release, and a signal when a held lock is lost. Commands go over the lock's own
 * WebSocket (the fast path to the lock's object); list, get and break use fetch. Runs in the
 * browser and in Node 24: it needs only the `fetch` and `WebSocket` globals.
 */
export interface LockClientOptions {
  /** Origin of the API, e.g. `location.origin` in the app or `http://localhost:8787` in Node. */
  baseUrl: string;
  spaceId: string;
  /** Opens a WebSocket (Node passes one that sends the session cookie). Default: `new WebSocket(url)`. */
  openSocket?: (url: string) => WebSocket;
  /** Extra headers for fetch (Node: cookie and Origin). */
  headers?: Record<string, string>;
  /** How long a command waits for its reply before failing as retryable. */
  commandTimeoutMs?: number;
}

/** What {@link LockClient.acquire} answers. `left` when the caller left the line (its `signal`). */
export type AcquireOutcome =
  | { status: 'granted'; lock: HeldLock }
  /** `blockedBy`: another lock in the way (a folder check-out above, or one inside a folder, L21); `holder` is its holder. */
  | { status: 'busy'; holder: LockHolder; blockedBy?: string }
  | { status: 'timeout' }
  | { status: 'left' }
  /** L32: this device's copy is `changes` behind; sync up to `version` and ask again. */
  | { status: 'behind'; changes: number; version: number };

/** What {@link LockClient.resume} answers: the grant again, or that it ended (and who holds the lock now). */
export type ResumeOutcome =
  { status: 'granted'; lock: HeldLock } | { status: 'ended'; holder: LockHolder | null };

/** Options of {@link LockClient.acquire}. */
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

const RECONNECT_GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to 2 s. */
function backoff(failures: number): number {
  return Math.min(2_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2);
}

function randomRequestId(): string {
  return `req-${crypto.randomUUID()}`;
}

/** Locks of one space. */
export class LockClient {
  private readonly channels = new Map<string, LockChannel>();
  private readonly open: (url: string) => WebSocket;

  constructor(private readonly options: LockClientOptions) {
    this.open = options.openSocket ?? ((url) => new WebSocket(url));
  }

  /** Takes lock `name`, waiting in line when `waitMs > 0`; a retry after a dropped connection reuses the request id (L9). */
  async acquire(name: string, options: AcquireOptions = {}): Promise<AcquireOutcome> {
    const channel = this.channel(name);
    const ttlMs = options.ttlMs ?? 60_000;
    const kind = options.kind ?? 'lease';
    const terms: AcquireTerms = kind === 'checkout' ? { kind } : { ttlMs };
    const autoRenew = options.autoRenew ?? true;
    const deadline = Date.now() + (options.waitMs ?? 0);
    // Reconnecting (a dropped socket, a restarting server) is retried a little past the deadline.
    const giveUpAt = deadline + RECONNECT_GRACE_MS;
    const held = (token: number, expiresAt: number | null, sentAt: number) =>
      ({
        status: 'granted',
        lock: new HeldLock(channel, name, got.requestId, token, expiresAt, ttlMs, sentAt, autoRenew),
      }) as const;
    const got: { requestId: string; push: LockEventMessage | null; wake: () => void } = {
      requestId: randomRequestId(),
      push: null,
      wake: () => {},
    };
    const listener = (event: LockEventMessage) => {
      if (event.kind === 'granted' && event.requestId === got.requestId) {
        got.push = event;
        got.wake();
      }
    };
    const onClose = () => got.wake();
    channel.listeners.add(listener);
    channel.closeListeners.add(onClose);
    options.signal?.addEventListener('abort', onClose);
    try {
      for (let failures = 0; ;) {
        const sentAt = Date.now();
        const remaining = Math.max(0, deadline - sentAt);
        let answer: v.InferOutput<typeof AcquireResponseSchema>;
        try {
          // A retry carries the same request id, so it never makes a second grant or queue entry (L9).
          answer = v.parse(
            AcquireResponseSchema,
            await channel.command({
              op: 'acquire',
              requestId: got.requestId,
              ...terms,
              ...(remaining > 0 ? { waitMs: remaining } : {}),
              ...(options.seenSeq === undefined ? {} : { seenSeq: options.seenSeq }),
            }),
          );
          failures = 0;
        } catch (error) {
          if (!(error instanceof LockError) || error.code !== 'UNAVAILABLE' || Date.now() >= giveUpAt)
            throw error;
          await sleep(backoff(failures++));
          continue;
        }
        if (answer.status === 'granted') return held(answer.token, answer.expiresAt, sentAt);
        if (options.signal?.aborted)
          return await this.stopWaiting(channel, got.requestId, terms, held, 'left');
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
          got.requestId = randomRequestId();
          continue;
        }
        options.onQueued?.(answer.position);
        // Queued: wait for the pushed grant (sent only once the fence has it, L11), a dropped
        // socket (then ask again: the server dropped us from the queue, L7) or the deadline.
        await new Promise<void>((resolve) => {
          got.wake = resolve;
          if (got.push) resolve();
          setTimeout(resolve, Math.max(0, deadline - Date.now()) + 50);
        });
        const push = got.push;
        if (push?.token) {
          // The lease runs from the grant; timing it from the push's arrival is late only by its one-way trip.
          const expiresAt = push.lock.holder ? push.lock.holder.expiresAt : Date.now() + ttlMs;
          return held(push.token, kind === 'checkout' ? null : (expiresAt ?? Date.now() + ttlMs), Date.now());
        }
        if (options.signal?.aborted)
          return await this.stopWaiting(channel, got.requestId, terms, held, 'left');
        if (Date.now() >= deadline)
          return await this.stopWaiting(channel, got.requestId, terms, held, 'timeout');
      }
    } finally {
      channel.listeners.delete(listener);
      channel.closeListeners.delete(onClose);
      options.signal?.removeEventListener('abort', onClose);
    }
  }

  /**
   * Takes back a grant this device got before (a reload): the acquire retried with its request id
   * answers the grant while it lasts (L9), and a renew at once restarts the local deadline.
   */
  async resume(name: string, requestId: string, ttlMs: number): Promise<ResumeOutcome> {
    const channel = this.channel(name);
    const sentAt = Date.now();
    const answer = v.parse(AcquireResponseSchema, await channel.command({ op: 'acquire', requestId, ttlMs }));
    if (answer.status === 'busy')
      return { status: 'ended', holder: v.parse(LockHolderSchema, answer.holder) };
    if (answer.status !== 'granted') return { status: 'ended', holder: null };
    const lock = new HeldLock(channel, name, requestId, answer.token, answer.expiresAt, ttlMs, sentAt, true);
    await lock.renew().catch(() => {}); // a refusal marks it lost; a network failure is retried by the renew timer
    return { status: 'granted', lock };
  }

  /** Leaves the queue; a grant that raced the cancel is kept and answered (L9 tells us). */
  private async stopWaiting(
    channel: LockChannel,
    requestId: string,
    terms: AcquireTerms,
    held: (token: number, expiresAt: number | null, sentAt: number) => AcquireOutcome,
    why: 'timeout' | 'left',
  ): Promise<AcquireOutcome> {
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
      if (last.status === 'granted') return held(last.token, last.expiresAt, sentAt);
    } catch (error) {
      if (!(error instanceof LockError)) throw error;
    }
    return { status: why };
  }

  /** Every held or contended lock of the space. */
  async list(): Promise<LockSummary[]> {
    return v.parse(
      LockListResponseSchema,
      await this.http('GET', `/api/spaces/${this.options.spaceId}/locks`),
    ).locks;
  }

  /** One lock's state. */
  async get(name: string): Promise<LockSummary> {
    return v.parse(LockSummarySchema, await this.http('GET', this.lockPath(name)));
  }

  /**
   * Releases the caller's own grant `token` of `name` over HTTP: a checkout held until released
   * (L19) outlives the tab that took it, so a later tab releases it by the token the list shows.
   */
  async releaseByToken(name: string, token: number): Promise<void> {
    v.parse(ReleaseResponseSchema, await this.http('POST', `${this.lockPath(name)}/release`, { token }));
  }

  /** Ends whoever's lease on `name` (space owners only). */
  async breakLock(name: string, reason?: string): Promise<void> {
    await this.http('POST', `${this.lockPath(name)}/break`, reason === undefined ? {} : { reason });
  }

  /** Closes the client's sockets. Held locks are not released; they run out. */
  close(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  private channel(name: string): LockChannel {
    let channel = this.channels.get(name);
    if (!channel) {
      const url = `${this.options.baseUrl.replace(/^http/, 'ws')}${this.lockPath(name)}/socket`;
      channel = new LockChannel(url, this.open, this.options.commandTimeoutMs ?? 10_000);
      this.channels.set(name, channel);
    }
    return channel;
  }

  private lockPath(name: string): string {
    return `/api/spaces/${this.options.spaceId}/locks/${encodeURIComponent(name)}`;
  }

  private async http(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        ...this.options.headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error: ErrorBody | null = v.is(ErrorBodySchema, json) ? json : null;
      throw new LockError(error?.code ?? 'UNAVAILABLE', error?.message ?? `HTTP ${res.status}`);
    }
    return json;
  }
}
