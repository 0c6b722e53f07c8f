import { LOCK_WAIT_MAX_MS } from '#shared/locks/limits';
import type { LockSummary } from '#shared/locks/schemas';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { fetchLockHistory } from '../api/lock-history';
import { LockClient, LockError, type HeldLock } from '../locks/lock-client';
import { backoffDelay } from '../sync/backoff';
import { HttpTransport } from '../sync/transport';
import { spaceLockHistoryToCsv, type SpaceLockHistoryEntry } from './lock-history-csv';

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
  readonly summaries = new SvelteMap<string, LockSummary>();
  readonly held = new SvelteMap<string, HeldLock>();
  readonly waiting = new SvelteSet<string>();
  now = $state(Date.now());
  error = $state('');
  connected = $state(false);
  readonly client: LockClient;
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
      for (const lock of await this.client.list()) this.#upsert(lock);
      this.error = '';
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not read the locks.';
    }
  }

  /** Takes the lock now, or waits in line for it when `wait` is set. Answers whether this tab got it. */
  async take(name: string, options: { wait: boolean }): Promise<boolean> {
    this.error = '';
    if (options.wait) this.waiting.add(name);
    try {
      const outcome = await this.client.acquire(name, { ttlMs: CHECKOUT_TTL_MS, waitMs: options.wait ? WAIT_IN_LINE_MS : 0 });
      if (outcome.status === 'granted') {
        const lock = outcome.lock;
        this.held.set(name, lock);
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
      this.waiting.delete(name);
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
  async history(): Promise<SpaceLockHistoryEntry[]> {
    const all = await Promise.all(
      this.names.map(async (name) => (await fetchLockHistory(this.spaceId, name)).map((entry) => ({ ...entry, lock: name }))),
    );
    return all.flat().sort((a, b) => b.at - a.at || b.seq - a.seq);
  }

  /** The space's lock history as CSV (see lock-history-csv.ts). */
  async historyCsv(): Promise<string> {
    return spaceLockHistoryToCsv(await this.history());
  }

  #forget(name: string, lock: HeldLock): void {
    if (this.held.get(name) === lock) this.held.delete(name);
  }

  // Events and list answers can cross: keep the summary with the highest revision.
  #upsert(summary: LockSummary): void {
    const known = this.summaries.get(summary.name);
    if (!known || summary.rev >= known.rev) this.summaries.set(summary.name, summary);
  }

  #start(): void {
    setInterval(() => (this.now = Date.now()), 1000);
    void this.refresh();
    this.#connect();
  }

  #connect(): void {
    try {
      new HttpTransport().connect(this.spaceId, {
        onOpen: () => {
          this.#attempt = 0;
          this.connected = true;
          // Events sent while away are not replayed: read the list again.
          void this.refresh();
        },
        onMessage: (message) => {
          if (message.type === 'lock') this.#upsert(message.lock);
        },
        onClose: () => {
          this.connected = false;
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

// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a registry of instances, never read reactively
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
