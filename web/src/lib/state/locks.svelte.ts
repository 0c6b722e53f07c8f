import { folderLocksOver } from '#shared/locks/folders';
import { LOCK_WAIT_MAX_MS } from '#shared/locks/limits';
import type { LockSummary } from '#shared/locks/schemas';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { forgetGrant, rememberGrant, storedGrants } from '../locks/grant-store';
import { LockClient, type HeldLock } from '../locks/lock-client';
import { watchLocks } from '../locks/lock-watch';
import { session } from './session.svelte';
import { listedLocks, type LockRow } from '../locks/lock-rows';
import { endedWhileClosedMessage, lossMessage, notTakenMessage } from './lock-messages';
import type { Notice } from '#shared/notices/schemas';
import { releaseWithComment } from '../api/notices';
import { LockCourtesy } from './lock-courtesy.svelte';
import { SpaceNotices } from './notices.svelte';
import { pulledSeq, syncedTo, syncFirstText } from './sync-first';

/** How long "wait in line" waits before giving up: the longest wait the server allows. */
export const WAIT_IN_LINE_MS = LOCK_WAIT_MAX_MS;
/** The lease a checkout takes; the lock client renews it while the tab holds it. */
export const CHECKOUT_TTL_MS = 60_000;

/**
 * The locks of one space, live: held and contended locks from lib/locks' `watchLocks` (the list,
 * kept current by the lock events on the space's WebSocket), plus what this tab holds and waits
 * for. `now` ticks every second for the countdowns. One per space for the tab's life (see
 * {@link spaceLocks}), so a checkout survives moving between screens; the grants themselves are
 * stored on the device (lib/locks/grant-store) and taken back after a reload (L18).
 * Messages name people and items: "you", usernames, titles (lock-words.ts).
 */
export class SpaceLocks {
  readonly summaries = new SvelteMap<string, LockSummary>();
  readonly held = new SvelteMap<string, HeldLock>();
  readonly waiting = new SvelteSet<string>();
  /** Locks whose checkout by this device ended without a release: offered "Check out again". */
  readonly lapsed = new SvelteSet<string>();
  /** This tab's place in line (1-based) for each lock it waits for, as the server last said. */
  readonly positions = new SvelteMap<string, number>();
  now = $state(Date.now());
  error = $state('');
  connected = $state(false);
  readonly client: LockClient;
  /** Asking, answering, handing over, "notify me" (L26–L28). */
  readonly courtesy: LockCourtesy;
  /** The signed-in person's notices in this space (L29). */
  readonly notices: SpaceNotices;
  // Not read reactively: how to leave each line this tab waits in.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #leaving = new Map<string, AbortController>();

  constructor(readonly spaceId: string) {
    this.client = new LockClient({ baseUrl: location.origin, spaceId });
    this.courtesy = new LockCourtesy(this);
    this.notices = new SpaceNotices(spaceId, (notice) => void this.#adopt(notice));
    this.#start();
  }

  /** The locks the manager lists. */
  get rows(): LockRow[] {
    return listedLocks(this.summaries, this.held, this.waiting);
  }

  summaryOf(name: string): LockSummary | null {
    return this.summaries.get(name) ?? null;
  }

  /**
   * The held check-out of `folder` or of a folder above it (at most one, L21), or null; a lease
   * past its end counts as over even before the list hears of it.
   */
  coveringFolder(folder: string): LockSummary | null {
    for (const name of folderLocksOver(folder)) {
      const holder = this.summaries.get(name)?.holder;
      if (holder && (holder.expiresAt === null || holder.expiresAt > this.now))
        return this.summaries.get(name) ?? null;
    }
    return null;
  }

  /** Takes the lock now, or waits in line for it when `wait` is set. Answers whether this tab got it. */
  async take(
    name: string,
    options: { wait: boolean; untilReleased?: boolean; synced?: boolean },
  ): Promise<boolean> {
    this.error = '';
    this.lapsed.delete(name);
    const leave = new AbortController();
    if (options.wait) {
      this.waiting.add(name);
      this.#leaving.set(name, leave);
    }
    try {
      const outcome = await this.client.acquire(name, {
        // "Check out until I release it": no lease to renew, held across closed tabs (L19).
        ...(options.untilReleased ? { kind: 'checkout' as const } : { ttlMs: CHECKOUT_TTL_MS }),
        waitMs: options.wait ? WAIT_IN_LINE_MS : 0,
        onQueued: (position) => this.positions.set(name, position),
        signal: leave.signal,
        // L32: only the newest copy is checked out; the server compares with what this device pulled.
        seenSeq: await pulledSeq(this.spaceId),
      });
      if (outcome.status === 'granted') {
        if (leave.signal.aborted) {
          // The grant raced "Leave the line": the person asked not to have it.
          await outcome.lock.release().catch(() => {});
          return false;
        }
        this.#hold(outcome.lock);
        return true;
      }
      if (outcome.status === 'behind') {
        this.error = syncFirstText(outcome.changes);
        // Online, the device syncs and takes it without another click; once only.
        if (options.synced || !navigator.onLine || !(await syncedTo(this.spaceId, outcome.version)))
          return false;
        this.error = '';
        return await this.take(name, { ...options, synced: true });
      }
      const why = await notTakenMessage(this.spaceId, name, outcome);
      if (why) this.error = why;
      return false;
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not take the lock.';
      return false;
    } finally {
      this.waiting.delete(name);
      this.positions.delete(name);
      this.#leaving.delete(name);
    }
  }

  /** Leaves the line for `name` (a cancel, L7). */
  leaveLine(name: string): void {
    this.#leaving.get(name)?.abort();
  }

  /** The token of this person's grant of `name`, held here or (a checkout) elsewhere. */
  tokenOf(name: string): number | null {
    const holder = this.summaries.get(name)?.holder;
    const mine = holder?.kind === 'checkout' && holder.userId === session.user?.userId ? holder.token : null;
    return this.held.get(name)?.token ?? mine;
  }

  /** This tab's grant of `name` was handed over (L27): forget it without a release. */
  handedOver(name: string): void {
    const lock = this.held.get(name);
    lock?.handedOver();
    if (lock) this.#forget(lock);
  }

  /**
   * Releases the lock, with an optional check-in comment kept in its history (L30); the next in
   * line, if any, gets it at once (a hand-over, L5).
   */
  async release(name: string, comment = ''): Promise<void> {
    const lock = this.held.get(name);
    const summary = this.summaries.get(name);
    if (!lock && summary?.holder?.kind === 'checkout') {
      // A checkout until released, taken in another tab or before a reload: released by its token.
      this.error = '';
      try {
        await releaseWithComment(this.spaceId, name, summary.holder.token, comment);
      } catch (error) {
        this.error = error instanceof Error ? error.message : 'Could not release the lock.';
      }
      return;
    }
    if (!lock) return;
    this.error = '';
    try {
      await lock.release(comment);
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not release the lock.';
    }
    this.#forget(lock);
  }

  /** Ends whoever's checkout of `name` (owners); `reason` is told to the person who loses it (L8). */
  async breakLock(name: string, reason: string): Promise<boolean> {
    this.error = '';
    try {
      await this.client.breakLock(name, reason.trim().slice(0, 200));
      return true;
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not break the lock.';
      return false;
    }
  }

  #hold(lock: HeldLock): void {
    this.held.set(lock.name, lock);
    rememberGrant(this.spaceId, lock.name, { requestId: lock.requestId, token: lock.token });
    lock.onLost((reason) => {
      this.#forget(lock);
      this.lapsed.add(lock.name);
      void lossMessage(this.spaceId, lock, reason).then((message) => (this.error = message));
    });
  }

  /** A notice says the lock is this person's now (handed over, L27): this tab takes it up by its request id (L9). */
  async #adopt(notice: Notice): Promise<void> {
    // A waiter's own grant arrives on its lock socket: that tab takes it there, not twice.
    if (!notice.requestId || this.held.has(notice.lock) || this.waiting.has(notice.lock)) return;
    // Kept on the device at once, so that a page opened from the notification takes it back too (L18).
    if (notice.token)
      rememberGrant(this.spaceId, notice.lock, { requestId: notice.requestId, token: notice.token });
    try {
      const outcome = await this.client.resume(notice.lock, notice.requestId, CHECKOUT_TTL_MS);
      if (outcome.status === 'granted' && outcome.lock.held) this.#hold(outcome.lock);
    } catch {
      // Offline: the list still shows the checkout as this person's.
    }
  }

  #forget(lock: HeldLock): void {
    forgetGrant(this.spaceId, lock.name, lock.token);
    if (this.held.get(lock.name) === lock) this.held.delete(lock.name);
  }

  /** Takes back the grants this device stored before a reload (L18); says so plainly when one ended meanwhile. */
  async #resume(): Promise<void> {
    for (const [name, grant] of Object.entries(storedGrants(this.spaceId))) {
      try {
        const outcome = await this.client.resume(name, grant.requestId, CHECKOUT_TTL_MS);
        if (outcome.status === 'granted' && outcome.lock.held) {
          this.#hold(outcome.lock);
          continue;
        }
        forgetGrant(this.spaceId, name, grant.token);
        this.lapsed.add(name);
        this.error = await endedWhileClosedMessage(
          this.spaceId,
          name,
          outcome.status === 'ended' ? outcome.holder : null,
        );
      } catch {
        // Offline or the server is away: keep the stored grant for the next load.
      }
    }
  }

  #start(): void {
    setInterval(() => (this.now = Date.now()), 1000);
    // Messages say "you" for the signed-in person: know who that is.
    if (session.user === undefined) void session.refresh();
    void this.#resume();
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
      onNotice: (notice) => {
        if (notice.kind === 'free' || notice.kind === 'granted') this.courtesy.settled(notice.lock);
        this.notices.receive(notice);
      },
      onConnect: () => void this.notices.catchUp(),
      onStaleRule: (days) => (this.courtesy.staleAfterDays = days),
    });
    // Back from offline: read the notices sent meanwhile even if the socket has not noticed (L29).
    addEventListener('online', () => void this.notices.catchUp());
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
