import { csvField, LOCK_HISTORY_CSV_COLUMNS } from '#shared/locks/csv';
import { LOCK_WAIT_MAX_MS } from '#shared/locks/limits';
import type { LockHistoryEntry, LockSummary } from '#shared/locks/schemas';
import { fetchLockHistory } from '../api/lock-history';
import { LockClient, LockError, type HeldLock } from '../locks/lock-client';
import { backoffDelay } from '../sync/backoff';
import { HttpTransport, type LiveSocket } from '../sync/transport';

/** How long "wait in line" waits before giving up: the longest wait the server allows. */
export const WAIT_IN_LINE_MS = LOCK_WAIT_MAX_MS;
/** The lease a checkout takes; the lock client renews it while the tab holds it. */
export const CHECKOUT_TTL_MS = 60_000;

/** One lock's line in the lock manager. */
export interface LockRow {
  summary: LockSummary;
  /** This tab holds it (and renews it). */
  mine: HeldLock | null;
  /** This tab waits in line for it. */
  waiting: boolean;
}

/**
 * The locks of one space, live: the list from the server, kept current by the lock events on the
 * space's WebSocket, plus what this tab holds and waits for. `now` ticks every second for the
 * countdowns. One per space for the tab's life (see {@link spaceLocks}), so a checkout survives
 * moving between screens.
 */
export class SpaceLocks {
  summaries = $state.raw(new Map<string, LockSummary>());
  held = $state.raw(new Map<string, HeldLock>());
  waiting = $state.raw(new Set<string>());
  now = $state(Date.now());
  error = $state('');
  connected = $state(false);
  readonly client: LockClient;
  #socket: LiveSocket | null = null;
  #attempt = 0;

  constructor(readonly spaceId: string) {
    this.client = new LockClient({ baseUrl: location.origin, spaceId });
    this.#start();
  }

  get rows(): LockRow[] {
    return [...this.summaries.values()]
      .filter((summary) => summary.holder !== null || summary.queueLength > 0 || this.held.has(summary.name) || this.waiting.has(summary.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((summary) => ({ summary, mine: this.held.get(summary.name) ?? null, waiting: this.waiting.has(summary.name) }));
  }

  /** Every lock the space has known, held or not (for the history). */
  get names(): string[] {
    return [...this.summaries.keys()].sort();
  }

  summaryOf(name: string): LockSummary | null {
    return this.summaries.get(name) ?? null;
  }

  async refresh(): Promise<void> {
    try {
      const locks = await this.client.list();
      const next = new Map(this.summaries);
      for (const lock of locks) this.#upsert(next, lock);
      this.summaries = next;
      this.error = '';
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not read the locks.';
    }
  }

  /** Takes the lock now, or waits in line for it when `wait` is set. Answers whether this tab got it. */
  async take(name: string, options: { wait: boolean }): Promise<boolean> {
    this.error = '';
    if (options.wait) this.waiting = new Set(this.waiting).add(name);
    try {
      const outcome = await this.client.acquire(name, { ttlMs: CHECKOUT_TTL_MS, waitMs: options.wait ? WAIT_IN_LINE_MS : 0 });
      if (outcome.status === 'granted') {
        const lock = outcome.lock;
        this.held = new Map(this.held).set(name, lock);
        lock.onLost((reason) => {
          this.#forget(name, lock);
          this.error = reason === 'broken' ? `Your checkout of “${name}” was broken by an owner.` : `Your checkout of “${name}” ran out.`;
        });
        return true;
      }
      if (outcome.status === 'busy') this.error = `“${name}” is checked out by ${outcome.holder.username}.`;
      else this.error = `Gave up waiting for “${name}”.`;
      return false;
    } catch (error) {
      this.error = error instanceof LockError || error instanceof Error ? error.message : 'Could not take the lock.';
      return false;
    } finally {
      const waiting = new Set(this.waiting);
      waiting.delete(name);
      this.waiting = waiting;
    }
  }

  async release(name: string): Promise<void> {
    const lock = this.held.get(name);
    if (!lock) return;
    this.error = '';
    try {
      await lock.release();
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not release the lock.';
    }
    this.#forget(name, lock);
  }

  async breakLock(name: string): Promise<void> {
    this.error = '';
    try {
      await this.client.breakLock(name, 'broken from the lock manager');
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not break the lock.';
    }
  }

  /** The history of every lock of the space, newest first, each entry with its lock's name. */
  async history(): Promise<(LockHistoryEntry & { lock: string })[]> {
    const all = await Promise.all(
      this.names.map(async (name) => (await fetchLockHistory(this.spaceId, name)).map((entry) => ({ ...entry, lock: name }))),
    );
    return all.flat().sort((a, b) => b.at - a.at || b.seq - a.seq);
  }

  /** The space's lock history as CSV (RFC 4180, CRLF): a `lock` column, then the columns of one lock's history. */
  async historyCsv(): Promise<string> {
    const entries = (await this.history()).reverse();
    const rows = [['lock', ...LOCK_HISTORY_CSV_COLUMNS].join(',')];
    for (const e of entries) {
      rows.push([e.lock, e.seq, new Date(e.at).toISOString(), e.kind, e.token, e.requestId, e.userId, e.username, e.detail].map(csvField).join(','));
    }
    return rows.join('\r\n') + '\r\n';
  }

  #forget(name: string, lock: HeldLock): void {
    if (this.held.get(name) !== lock) return;
    const held = new Map(this.held);
    held.delete(name);
    this.held = held;
  }

  #upsert(map: Map<string, LockSummary>, summary: LockSummary): void {
    const known = map.get(summary.name);
    if (!known || summary.rev >= known.rev) map.set(summary.name, summary);
  }

  #start(): void {
    setInterval(() => (this.now = Date.now()), 1000);
    void this.refresh();
    this.#connect();
  }

  #connect(): void {
    try {
      this.#socket = new HttpTransport().connect(this.spaceId, {
        onOpen: () => {
          this.#attempt = 0;
          this.connected = true;
          // Events sent while away are not replayed: read the list again.
          void this.refresh();
        },
        onMessage: (message) => {
          if (message.type !== 'lock') return;
          const next = new Map(this.summaries);
          this.#upsert(next, message.lock);
          this.summaries = next;
        },
        onClose: () => {
          this.connected = false;
          this.#socket = null;
          this.#retry();
        },
      });
    } catch {
      this.#retry();
    }
  }

  #retry(): void {
    setTimeout(() => this.#connect(), backoffDelay(this.#attempt));
    this.#attempt += 1;
  }
}

const bySpace = new Map<string, SpaceLocks>();

/** The lock state of a cloud space, started on first use. */
export function spaceLocks(spaceId: string): SpaceLocks {
  let locks = bySpace.get(spaceId);
  if (!locks) {
    locks = new SpaceLocks(spaceId);
    bySpace.set(spaceId, locks);
  }
  return locks;
}
