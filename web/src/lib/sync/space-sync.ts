import { db as defaultDb, liveQuery, type BatonDatabase } from '../db/db';
import { pendingCount } from '../db/queries';
import { onOutboxGrew } from '../db/outbox-signal';
import { SyncEngine, type EngineStatus } from './engine';
import { runAsLeader } from './leader';
import { LiveChannel } from './live';
import { HttpTransport, type SyncTransport } from './transport';

/** How {@link SpaceSync} reaches storage and the server; the browser uses the defaults. */
export interface SpaceSyncOptions {
  db?: BatonDatabase;
  transport?: SyncTransport;
  /** Wait this long after a local edit before pushing, so a burst of typing goes up as one batch. */
  pushDelayMs?: number;
}

/** What the status line shows about the engine, beside the counts read from IndexedDB. */
export interface LiveStatus extends EngineStatus {
  leader: boolean;
  connected: boolean;
}

/**
 * Syncs one cloud space while it is open. One tab leads (S13); the leader pushes when the
 * outbox grows (in any tab), pulls on pokes (S11), and syncs on start, when the browser comes
 * online and when the tab regains focus (S14). Other tabs follow through IndexedDB; asking
 * them to sync forwards the request to the leader over a BroadcastChannel.
 */
export class SpaceSync {
  private readonly db: BatonDatabase;
  private readonly transport: SyncTransport;
  private readonly pushDelayMs: number;
  private readonly abort = new AbortController();
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<(status: LiveStatus) => void>();
  private engine: SyncEngine | null = null;
  private status: LiveStatus = {
    phase: 'idle',
    lastError: null,
    pull: null,
    leader: false,
    connected: false,
  };

  constructor(
    readonly spaceId: string,
    options: SpaceSyncOptions = {},
  ) {
    this.db = options.db ?? defaultDb;
    this.transport = options.transport ?? new HttpTransport();
    // Edits made while a push is in flight go up together in the next one (the engine runs one
    // sync at a time), so a push needs no waiting to batch keystrokes.
    this.pushDelayMs = options.pushDelayMs ?? 0;
    this.channel =
      typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`baton-sync:${spaceId}`);
  }

  /** Starts taking part: leads if no other tab does, else waits in line. */
  start(): this {
    this.channel?.addEventListener('message', () => void this.engine?.sync());
    // The database name is part of the lock so that two test "devices" in one process each lead.
    void runAsLeader(`baton-sync:${this.db.name}:${this.spaceId}`, () => this.lead(), this.abort.signal);
    return this;
  }

  /** Syncs now: here if this tab leads, else by asking the leader. */
  sync(): Promise<void> {
    if (this.engine) return this.engine.sync();
    this.channel?.postMessage('sync');
    return Promise.resolve();
  }

  /** Follows the engine's status; returns the unsubscribe function. */
  subscribe(listener: (status: LiveStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.abort.abort();
    this.channel?.close();
  }

  private async lead(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const engine = new SyncEngine({ db: this.db, spaceId: this.spaceId, transport: this.transport });
    this.engine = engine;
    const unsubscribeEngine = engine.subscribe((status) => this.setStatus({ ...status, leader: true }));
    const live = new LiveChannel(this.transport, this.spaceId, {
      onPoke: (seq, carried) => engine.poked(seq, carried),
      onConnected: () => void engine.sync(),
      onStatus: (connected) => {
        engine.setLive(connected);
        this.setStatus({ connected });
      },
    });
    let pushTimer: ReturnType<typeof setTimeout> | undefined;
    let lastPending = 0;
    const outbox = liveQuery(() => pendingCount(this.db, this.spaceId)).subscribe({
      next: (count) => {
        if (count > lastPending) {
          clearTimeout(pushTimer);
          pushTimer = setTimeout(() => void engine.push(), this.pushDelayMs);
        }
        lastPending = count;
      },
    });
    const stopSignal = onOutboxGrew((db, spaceId) => {
      if (db === this.db && spaceId === this.spaceId) void engine.push();
    });
    const onOnline = (): void => {
      live.reconnectNow();
      void engine.sync();
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') void engine.sync();
    };
    const hasWindow = typeof window !== 'undefined' && typeof document !== 'undefined';
    if (hasWindow) {
      addEventListener('online', onOnline);
      addEventListener('focus', onOnline);
      document.addEventListener('visibilitychange', onVisible);
    }
    live.start();
    void engine.sync();
    // S15: a synced space is worth keeping; Settings shows whether the browser agreed.
    void requestPersistentStorage().catch(() => false);
    await new Promise<void>((resolve) =>
      this.abort.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    if (hasWindow) {
      removeEventListener('online', onOnline);
      removeEventListener('focus', onOnline);
      document.removeEventListener('visibilitychange', onVisible);
    }
    clearTimeout(pushTimer);
    outbox.unsubscribe();
    stopSignal();
    live.stop();
    engine.stop();
    unsubscribeEngine();
    this.engine = null;
  }

  private setStatus(patch: Partial<LiveStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}

/**
 * Asks the browser to keep this origin's data under storage pressure (S15). Answers whether it
 * agreed; browsers may decide silently (Chromium grants it to installed or engaged sites).
 */
export async function requestPersistentStorage(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}
