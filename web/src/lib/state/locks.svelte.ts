import { LOCK_WAIT_MAX_MS } from '#shared/locks/limits';
import { spaceLockHistoryToCsv } from '#shared/locks/csv';
import type { LockSummary, SpaceLockHistoryEntry } from '#shared/locks/schemas';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { fetchSpaceLockHistory } from '../api/lock-history';
import { LockClient, LockError, type HeldLock } from '../locks/lock-client';
import { watchLocks } from '../locks/lock-watch';

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
 * The locks of one space, live: held and contended locks from lib/locks' `watchLocks` (the list,
 * kept current by the lock events on the space's WebSocket), plus what this tab holds and waits for. `now` ticks every second for the
 * countdowns. One per space for the tab's life (see {@link spaceLocks}), so a checkout survives
 * moving between screens.
 */
export class SpaceLocks {
  readonly summaries = new SvelteMap<string, LockSummary>();
  readonly held = new SvelteMap<string, HeldLock>();
  readonly waiting = new SvelteSet<string>();
  /** This tab's place in line (1-based) for each lock it waits for, as the server last said. */
  readonly positions = new SvelteMap<string, number>();
  now = $state(Date.now());
  error = $state('');
  connected = $state(false);
  readonly client: LockClient;

  constructor(readonly spaceId: string) {
    this.client = new LockClient({ baseUrl: location.origin, spaceId });
    this.#start();
  }

  get rows(): LockRow[] {
    return [...this.summaries.values()]
      .filter(
        (summary) =>
          summary.holder !== null ||
          summary.queueLength > 0 ||
          this.held.has(summary.name) ||
          this.waiting.has(summary.name),
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((summary) => ({
        summary,
        mine: this.held.get(summary.name) ?? null,
        waiting: this.waiting.has(summary.name),
      }));
  }

  summaryOf(name: string): LockSummary | null {
    return this.summaries.get(name) ?? null;
  }

  /** Takes the lock now, or waits in line for it when `wait` is set. Answers whether this tab got it. */
  async take(name: string, options: { wait: boolean; untilReleased?: boolean }): Promise<boolean> {
    this.error = '';
    if (options.wait) this.waiting.add(name);
    try {
      const outcome = await this.client.acquire(name, {
        // "Check out until I release it": no lease to renew, held across closed tabs (L17).
        ...(options.untilReleased ? { kind: 'checkout' as const } : { ttlMs: CHECKOUT_TTL_MS }),
        waitMs: options.wait ? WAIT_IN_LINE_MS : 0,
        onQueued: (position) => this.positions.set(name, position),
      });
      if (outcome.status === 'granted') {
        const lock = outcome.lock;
        this.held.set(name, lock);
        lock.onLost((reason) => {
          this.#forget(name, lock);
          this.error =
            reason === 'broken'
              ? `Your checkout of “${name}” was broken by an owner.`
              : `Your checkout of “${name}” ran out.`;
        });
        return true;
      }
      if (outcome.status === 'busy') this.error = `“${name}” is checked out by ${outcome.holder.username}.`;
      else this.error = `Gave up waiting for “${name}”.`;
      return false;
    } catch (error) {
      this.error =
        error instanceof LockError || error instanceof Error ? error.message : 'Could not take the lock.';
      return false;
    } finally {
      this.waiting.delete(name);
      this.positions.delete(name);
    }
  }

  async release(name: string): Promise<void> {
    const lock = this.held.get(name);
    const summary = this.summaries.get(name);
    if (!lock && summary?.holder?.kind === 'checkout') {
      // A checkout until released, taken in another tab or before a reload: released by its token.
      this.error = '';
      try {
        await this.client.releaseByToken(name, summary.holder.token);
      } catch (error) {
        this.error = error instanceof Error ? error.message : 'Could not release the lock.';
      }
      return;
    }
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
    return (await fetchSpaceLockHistory(this.spaceId)).entries.reverse();
  }

  /** The space's lock history as CSV, oldest first (shared/src/locks/csv.ts, as the API's `?format=csv`). */
  async historyCsv(): Promise<string> {
    return spaceLockHistoryToCsv((await fetchSpaceLockHistory(this.spaceId)).entries);
  }

  #forget(name: string, lock: HeldLock): void {
    if (this.held.get(name) === lock) this.held.delete(name);
  }

  #start(): void {
    setInterval(() => (this.now = Date.now()), 1000);
    // lib/locks follows the space's socket: the list on every (re)connect, then the lock events.
    watchLocks({
      baseUrl: location.origin,
      spaceId: this.spaceId,
      onChange: (locks) => {
        const current = locks.map((lock) => lock.name);
        for (const name of [...this.summaries.keys()])
          if (!current.includes(name)) this.summaries.delete(name);
        for (const lock of locks) this.summaries.set(lock.name, lock);
        this.connected = true;
      },
      onStop: (reason) => {
        this.connected = false;
        this.error = reason;
      },
    });
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
