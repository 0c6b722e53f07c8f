import { MAX_PUSH_BYTES, MAX_PUSH_MUTATIONS, PULL_PAGE_DEFAULT } from '#shared/sync/protocol';
import type { BatonDatabase } from '../db/db';
import { applyPokedPage, applyPullPage, beginPullRun, recordSyncError, syncStateOf } from '../db/sync-store';
import { backoffDelay } from './backoff';
import { pushOutbox } from './push-outbox';
import type { CarriedPage } from './live';
import { SyncError, type SyncTransport } from './transport';

/** What the engine is doing, for the status line. Counts and times live in IndexedDB (all tabs see them). */
export interface EngineStatus {
  phase: 'idle' | 'syncing' | 'offline' | 'error' | 'stopped';
  lastError: { code: string; message: string } | null;
  /** While a pull runs that needs more than one page: changes stored so far, of how many (S20). */
  pull: { done: number; total: number } | null;
}

/** Knobs of the engine; the defaults are the protocol's bounds. */
export interface SyncEngineOptions {
  db: BatonDatabase;
  spaceId: string;
  transport: SyncTransport;
  maxBatchCount?: number;
  maxBatchBytes?: number;
  pullLimit?: number;
  random?: () => number;
}

// Room for the request's envelope (`{"clientId":…,"mutations":[…]}`) below the byte bound.
const ENVELOPE_BYTES = 1024;

/**
 * Moves one space's data between this device and the server: the outbox goes up in batches
 * bounded by count and bytes (S2), then pages are pulled until caught up (S10). Runs one sync
 * at a time; a request during a run makes one more run after it. Failures that may pass are
 * retried with backoff and jitter (S12); refused edits stay visible in the outbox.
 */
export class SyncEngine {
  status: EngineStatus = { phase: 'idle', lastError: null, pull: null };
  private readonly db: BatonDatabase;
  private readonly spaceId: string;
  private readonly transport: SyncTransport;
  private readonly maxBatchCount: number;
  private readonly maxBatchBytes: number;
  private readonly pullLimit: number;
  private readonly random: () => number;
  private readonly listeners = new Set<(status: EngineStatus) => void>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private clientId: string | undefined;
  /** The highest sequence this engine has pulled up to, to skip pokes it has already seen. */
  private pulledTo = -1;
  /** Whether the next run pulls: always, except after pushes while pokes are heard (S28). */
  private wantPull = true;
  /** Whether the space's socket is open, so every stored change is poked to this tab. */
  private live = false;
  /** Pages pokes carried while a run was in progress, stored after its push instead of pulled. */
  private carriedWaiting: CarriedPage[] = [];

  constructor(options: SyncEngineOptions) {
    this.db = options.db;
    this.spaceId = options.spaceId;
    this.transport = options.transport;
    this.maxBatchCount = Math.min(options.maxBatchCount ?? MAX_PUSH_MUTATIONS, MAX_PUSH_MUTATIONS);
    this.maxBatchBytes = Math.min(options.maxBatchBytes ?? MAX_PUSH_BYTES, MAX_PUSH_BYTES) - ENVELOPE_BYTES;
    this.pullLimit = options.pullLimit ?? PULL_PAGE_DEFAULT;
    this.random = options.random ?? Math.random;
  }

  /** Follows status changes; returns the unsubscribe function. */
  subscribe(listener: (status: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  /** Syncs now, or once more right after the run in progress. Resolves when that run ends. */
  sync(): Promise<void> {
    this.wantPull = true;
    return this.run();
  }

  /**
   * The outbox grew: pushes now, or right after the run in progress. While the socket is open
   * the push is not followed by a pull: the server pokes this tab with what the push stored (S21,
   * S28), so the next edit never waits behind a pull round trip.
   */
  push(): Promise<void> {
    if (!this.live) this.wantPull = true;
    return this.run();
  }

  /** The space's socket opened or closed; when it opens, what was missed is pulled. */
  setLive(live: boolean): void {
    this.live = live;
  }

  private run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    clearTimeout(this.retryTimer);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * A poke said the space's sequence is `seq` (S11): pull unless already there. When it carried
   * the page right after what this device holds (S21), that page is stored instead of pulled.
   */
  poked(seq: number, carried?: CarriedPage): void {
    if (this.stopped || seq <= this.pulledTo) return;
    if (carried && this.running) {
      this.carriedWaiting.push(carried);
      this.again = true;
      return;
    }
    if (!carried || carried.from !== this.pulledTo) {
      void this.sync();
      return;
    }
    this.running = this.storeCarried(carried).finally(() => {
      this.running = null;
    });
  }

  private async storeCarried(carried: CarriedPage): Promise<void> {
    this.carriedWaiting.push(carried);
    await this.storeCarriedWaiting();
    if (this.wantPull || this.again) await this.loop();
  }

  /** Stops syncing; a run in progress finishes its current step. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.setStatus({ pull: null, phase: 'stopped', lastError: this.status.lastError });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.once();
    } while (this.again && !this.stopped);
  }

  private async once(): Promise<void> {
    this.setStatus({ pull: null, phase: 'syncing', lastError: this.status.lastError });
    try {
      await this.pushAll();
      await this.storeCarriedWaiting();
      const pull = this.wantPull;
      this.wantPull = false;
      if (pull) await this.pullAll();
      this.attempt = 0;
      if (this.status.lastError) await recordSyncError(this.db, this.spaceId, null);
      this.setStatus({ pull: null, phase: 'idle', lastError: null });
    } catch (error) {
      const failure = error instanceof SyncError ? error : new SyncError('CLIENT', String(error), 0, 'retry');
      await recordSyncError(this.db, this.spaceId, { code: failure.code, message: failure.message });
      if (failure.reaction === 'stop') {
        this.setStatus({ pull: null, phase: 'stopped', lastError: failure });
        return;
      }
      this.setStatus({
        pull: null,
        phase: failure.code === 'NETWORK' ? 'offline' : 'error',
        lastError: failure,
      });
      this.scheduleRetry(failure.retryAfterMs);
    }
  }

  // Pages poked (during a run, or the one that woke an idle engine), in order: each that follows
  // what this device holds is stored with no request; a gap or a failure to store means a pull,
  // which reports its own failures.
  private async storeCarriedWaiting(): Promise<void> {
    const pages = this.carriedWaiting.splice(0).sort((a, b) => a.from - b.from);
    for (const carried of pages) {
      if (carried.page.next <= this.pulledTo) continue;
      const stored =
        carried.from === this.pulledTo &&
        (await applyPokedPage(this.db, this.spaceId, carried.from, carried.page).catch(() => false));
      if (!stored) {
        this.wantPull = true;
        return;
      }
      this.pulledTo = carried.page.next;
    }
  }

  private scheduleRetry(retryAfterMs: number | undefined): void {
    if (this.stopped) return;
    const delay = Math.max(retryAfterMs ?? 0, backoffDelay(this.attempt, this.random));
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.sync(), delay);
  }

  private async pushAll(): Promise<void> {
    // The client id never changes once made: read it once, not on every push.
    this.clientId ??= (await syncStateOf(this.db, this.spaceId)).clientId;
    await pushOutbox({
      db: this.db,
      spaceId: this.spaceId,
      transport: this.transport,
      clientId: this.clientId,
      maxBatchCount: this.maxBatchCount,
      maxBatchBytes: this.maxBatchBytes,
      stopped: () => this.stopped,
    });
  }

  // The next page is fetched while the current one is written to IndexedDB (S10). Each page
  // moves the stored position, so an interrupted pull resumes after its last stored page (S20).
  private async pullAll(): Promise<void> {
    const { after } = await syncStateOf(this.db, this.spaceId);
    const run = await beginPullRun(this.db, this.spaceId);
    let pending = this.transport.pull(this.spaceId, after, this.pullLimit);
    try {
      for (;;) {
        const page = await pending;
        const next =
          page.more && !this.stopped ? this.transport.pull(this.spaceId, page.next, this.pullLimit) : null;
        // If writing this page fails, the prefetch's own failure must not go unhandled.
        next?.catch(() => undefined);
        await applyPullPage(this.db, this.spaceId, page, run);
        this.pulledTo = Math.max(this.pulledTo, page.next);
        if (!next) return;
        this.setStatus({ ...this.status, pull: { done: page.next - after, total: page.head - after } });
        pending = next;
      }
    } finally {
      if (this.status.pull) this.setStatus({ ...this.status, pull: null });
    }
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }
}
