import * as v from 'valibot';
import {
  AcquireResponseSchema,
  CancelResponseSchema,
  LockHolderSchema,
  LockListResponseSchema,
  LockSocketServerMessageSchema,
  LockSummarySchema,
  ReleaseResponseSchema,
  RenewResponseSchema,
  type LockEventMessage,
  type LockHolder,
  type LockKind,
  type LockSummary,
} from '#shared/locks/schemas';
import { ErrorBodySchema, type ErrorBody } from '#shared/errors';

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

/** Why a held lock was lost. */
export type LockLossReason = 'expired' | 'broken' | 'refused';

/** What {@link LockClient.acquire} answers. */
export type AcquireOutcome =
  { status: 'granted'; lock: HeldLock } | { status: 'busy'; holder: LockHolder } | { status: 'timeout' };

/** A failed command, with the server's error code (or `UNAVAILABLE` when the socket failed). */
export class LockError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

type Pending = {
  resolve: (result: unknown) => void;
  reject: (error: LockError) => void;
  timer: ReturnType<typeof setTimeout>;
};

/** One lock's WebSocket: commands paired with replies by id, and pushed lock events. Reconnects on demand. */
class LockChannel {
  private socket: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly listeners = new Set<(event: LockEventMessage) => void>();
  /** Called when the socket closes (a waiter must ask again: the server dropped it from the queue). */
  readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly open: (url: string) => WebSocket,
    private readonly timeoutMs: number,
  ) {}

  async command(command: Record<string, unknown>): Promise<unknown> {
    const ws = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, new LockError('UNAVAILABLE', 'The lock service did not answer in time.')),
        this.timeoutMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ ...command, id }));
      } catch {
        this.settle(id, new LockError('UNAVAILABLE', 'The connection to the lock service closed.'));
      }
    });
  }

  close(): void {
    void this.socket?.then((ws) => ws.close(1000, 'done')).catch(() => {});
    this.socket = null;
  }

  private connect(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    const socket = new Promise<WebSocket>((resolve, reject) => {
      const ws = this.open(this.url);
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('message', (event) => this.onMessage(event.data));
      ws.addEventListener('close', () => {
        if (this.socket === socket) this.socket = null;
        reject(new LockError('UNAVAILABLE', 'Could not connect to the lock service.'));
        for (const id of [...this.pending.keys()])
          this.settle(id, new LockError('UNAVAILABLE', 'The connection to the lock service closed.'));
        for (const listener of this.closeListeners) listener();
      });
    });
    this.socket = socket;
    return socket;
  }

  private onMessage(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = v.safeParse(LockSocketServerMessageSchema, json);
    if (!parsed.success) return; // a newer server's message we do not know
    const message = parsed.output;
    if (message.type === 'lock') {
      for (const listener of this.listeners) listener(message);
    } else if (message.error) {
      this.settle(message.id, new LockError(message.error.code, message.error.message));
    } else {
      this.settle(message.id, message.result);
    }
  }

  private settle(id: number, outcome: unknown): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (outcome instanceof LockError) entry.reject(outcome);
    else entry.resolve(outcome);
  }
}

/**
 * A lock this client holds: a lease renewed automatically until released or lost, or a checkout
 * (`expiresAt` null), held with no renewal until released or broken (L17).
 */
export class HeldLock {
  /** The lease's end as the server said; renewals move it. Null for a checkout. */
  expiresAt: number | null;
  /** Null while held; why it was lost otherwise. Released locks are not "lost". */
  lostReason: LockLossReason | null = null;
  released = false;
  private readonly lossListeners = new Set<(reason: LockLossReason) => void>();
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly channel: LockChannel,
    readonly name: string,
    readonly token: number,
    expiresAt: number | null,
    private readonly ttlMs: number,
    sentAt: number,
    autoRenew: boolean,
  ) {
    this.expiresAt = expiresAt;
    const listener = (event: LockEventMessage) => {
      if (event.token !== token) return;
      if (event.kind === 'expired') this.lose('expired');
      if (event.kind === 'broken') this.lose('broken');
    };
    channel.listeners.add(listener);
    this.unsubscribe = () => channel.listeners.delete(listener);
    // A checkout has no lease to time or renew (L17).
    if (expiresAt === null) return;
    this.extendLocalDeadline(sentAt);
    if (autoRenew) this.scheduleRenew();
  }

  /** True while the lease is ours (not released, not lost). */
  get held(): boolean {
    return !this.released && this.lostReason === null;
  }

  /** Calls `listener` once if the lock is lost; returns an unsubscribe function. */
  onLost(listener: (reason: LockLossReason) => void): () => void {
    if (this.lostReason) listener(this.lostReason);
    else this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  /** Extends the lease now. Throws LockError; `LOCK_NOT_HELD` also marks the lock lost. */
  async renew(): Promise<void> {
    const sentAt = Date.now();
    try {
      const result = v.parse(
        RenewResponseSchema,
        await this.channel.command({ op: 'renew', token: this.token, ttlMs: this.ttlMs }),
      );
      this.expiresAt = result.expiresAt;
      if (this.held) this.extendLocalDeadline(sentAt);
    } catch (error) {
      if (error instanceof LockError && error.code === 'LOCK_NOT_HELD') this.lose('refused');
      throw error;
    }
  }

  /** Releases the lock. Answers false when it was no longer ours. */
  async release(): Promise<boolean> {
    if (!this.held) return false;
    this.stopTimers();
    try {
      v.parse(ReleaseResponseSchema, await this.channel.command({ op: 'release', token: this.token }));
      this.released = true;
      this.unsubscribe();
      return true;
    } catch (error) {
      if (error instanceof LockError && error.code === 'LOCK_NOT_HELD') {
        this.lose('refused');
        return false;
      }
      throw error;
    }
  }

  private scheduleRenew(): void {
    this.renewTimer = setTimeout(
      () => {
        if (!this.held) return;
        this.renew().then(
          () => this.held && this.scheduleRenew(),
          () => this.held && this.scheduleRenew(), // a transient failure: try again; the local deadline decides loss
        );
      },
      Math.max(100, Math.floor(this.ttlMs / 3)),
    );
  }

  /** The client's own view of the lease end, timed from when the request was sent: never later than the server's. */
  private extendLocalDeadline(sentAt: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => this.lose('expired'),
      Math.max(0, sentAt + this.ttlMs - Date.now()),
    );
  }

  private lose(reason: LockLossReason): void {
    if (!this.held) return;
    this.lostReason = reason;
    this.stopTimers();
    this.unsubscribe();
    for (const listener of this.lossListeners) listener(reason);
    this.lossListeners.clear();
  }

  private stopTimers(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
  }
}

/** Options of {@link LockClient.acquire}. */
export interface AcquireOptions {
  /** Lease length (1 s to 1 h; the server's default is 60 s). */
  ttlMs?: number;
  /** Wait in line up to this long (0: answer busy at once). */
  waitMs?: number;
  /** `checkout`: held until released or broken, no lease and no renewal (L17). Default `lease`. */
  kind?: LockKind;
  /** Renew automatically at a third of the lease (default true). */
  autoRenew?: boolean;
  /**
   * Called with this request's 1-based place in line each time the server answers `queued` (the
   * first answer, and again after a reconnect re-asks). The server does not push later positions,
   * and the lock events cannot tell who left the line ahead of us, so this is the last position
   * the server said.
   */
  onQueued?: (position: number) => void;
}

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
    const autoRenew = options.autoRenew ?? true;
    const deadline = Date.now() + (options.waitMs ?? 0);
    // Reconnecting (a dropped socket, a restarting server) is retried a little past the deadline.
    const giveUpAt = deadline + RECONNECT_GRACE_MS;
    const kind = options.kind ?? 'lease';
    const held = (token: number, expiresAt: number | null, sentAt: number) =>
      ({
        status: 'granted',
        lock: new HeldLock(channel, name, token, expiresAt, ttlMs, sentAt, autoRenew),
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
              ...(kind === 'checkout' ? { kind } : { ttlMs }),
              ...(remaining > 0 ? { waitMs: remaining } : {}),
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
        if (answer.status === 'busy')
          return { status: 'busy', holder: v.parse(LockHolderSchema, answer.holder) };
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
        if (Date.now() >= deadline)
          return await this.stopWaiting(
            channel,
            got.requestId,
            kind === 'checkout' ? { kind } : { ttlMs },
            held,
          );
      }
    } finally {
      channel.listeners.delete(listener);
      channel.closeListeners.delete(onClose);
    }
  }

  /** Leaves the queue; a grant that raced the cancel is kept and answered (L9 tells us). */
  private async stopWaiting(
    channel: LockChannel,
    requestId: string,
    terms: { kind: LockKind } | { ttlMs: number },
    held: (token: number, expiresAt: number | null, sentAt: number) => AcquireOutcome,
  ): Promise<AcquireOutcome> {
    try {
      v.parse(CancelResponseSchema, await channel.command({ op: 'cancel', requestId }));
      const sentAt = Date.now();
      const last = v.parse(
        AcquireResponseSchema,
        await channel.command({ op: 'acquire', requestId, ...terms }),
      );
      if (last.status === 'granted') return held(last.token, last.expiresAt, sentAt);
    } catch (error) {
      if (!(error instanceof LockError)) throw error;
    }
    return { status: 'timeout' };
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
   * (L17) outlives the tab that took it, so a later tab releases it by the token the list shows.
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
