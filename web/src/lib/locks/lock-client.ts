import * as v from 'valibot';
import {
  AcquireResponseSchema,
  LockHolderSchema,
  LockListResponseSchema,
  LockSummarySchema,
  ReleaseResponseSchema,
  type LockHolder,
  type LockSummary,
} from '#shared/locks/schemas';
import { ErrorBodySchema, type ErrorBody } from '#shared/errors';
import { acquireLock, type AcquireAnswer, type AcquireOptions } from './acquire';
import { HeldLock } from './held-lock';
import { LockChannel, LockError } from './lock-channel';

export type { AcquireAnswer, AcquireOptions } from './acquire';

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

/** What {@link LockClient.resume} answers: the grant again, or that it ended (and who holds the lock now). */
export type ResumeOutcome =
  { status: 'granted'; lock: HeldLock } | { status: 'ended'; holder: LockHolder | null };

/** Locks of one space. */
export class LockClient {
  private readonly channels = new Map<string, LockChannel>();
  private readonly open: (url: string) => WebSocket;

  constructor(private readonly options: LockClientOptions) {
    this.open = options.openSocket ?? ((url) => new WebSocket(url));
  }

  /** Takes lock `name`, waiting in line when `waitMs > 0`; a retry after a dropped connection reuses the request id (L9). */
  acquire(name: string, options: AcquireOptions = {}): Promise<AcquireAnswer> {
    return acquireLock(this.channel(name), name, options);
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
