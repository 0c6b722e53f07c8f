import { db, type OutboxEntry, type SyncState } from '../db/db';
import { LiveQuery } from '../db/live.svelte';
import { pendingCount, rejectedEdits, syncStateFor } from '../db/queries';
import type { LiveStatus, SpaceSync } from '../sync/space-sync';
import { isLocalSpace } from '../spaces/space-ids';

/**
 * The sync status of the space the user has open, for the always-visible status area: what the
 * engine is doing, edits waiting, edits the server refused (with the reason), and the last sync.
 * Opening a cloud space starts its sync (one tab leads; the others follow through IndexedDB).
 */
class SyncStatusState {
  spaceId = $state<string | null>(null);
  live = $state.raw<LiveStatus | null>(null);
  #queries = $state.raw<{
    pending: LiveQuery<{ count: number; at: number }>;
    refused: LiveQuery<OutboxEntry[]>;
    state: LiveQuery<SyncState | undefined>;
  } | null>(null);
  #sync: SpaceSync | null = null;
  #stops: (() => void)[] = [];

  /** Follows `spaceId` (and syncs it, unless it is the local-only space). */
  open(spaceId: string): void {
    if (this.spaceId === spaceId) return;
    this.close();
    this.spaceId = spaceId;
    // The counts live in IndexedDB, so every tab sees the same, whichever leads the sync.
    this.#stops.push(
      $effect.root(() => {
        this.#queries = {
          pending: new LiveQuery(async () => {
            // When the count was read: an edit stored before then is in it (S24).
            const at = performance.now();
            return { count: await pendingCount(db, spaceId), at };
          }),
          refused: new LiveQuery(() => rejectedEdits(db, spaceId)),
          state: new LiveQuery(() => syncStateFor(db, spaceId)),
        };
      }),
    );
    if (isLocalSpace(spaceId)) return;
    // The sync engine loads when a cloud space is opened, not with the first screen.
    let stopped = false;
    this.#stops.push(() => (stopped = true));
    void import('../sync/space-sync').then(({ SpaceSync }) => {
      if (stopped) return;
      const sync = new SpaceSync(spaceId).start();
      this.#sync = sync;
      this.#stops.push(sync.subscribe((status) => (this.live = status)));
      this.#stops.push(() => sync.stop());
    });
  }

  close(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#sync = null;
    this.spaceId = null;
    this.live = null;
    this.#queries = null;
  }

  /** True when the waiting count was read after `time` (performance.now()), so it counts what was stored by then. */
  countedSince(time: number): boolean {
    // Nothing written in this tab yet: nothing to wait for.
    return time < 0 || (this.#queries?.pending.current?.at ?? -1) > time;
  }

  /** False until the waiting count has been read from IndexedDB once for the open space. */
  get pendingKnown(): boolean {
    return this.#queries?.pending.current !== undefined;
  }

  get pending(): number {
    return this.#queries?.pending.current?.count ?? 0;
  }

  get refused(): OutboxEntry[] {
    return this.#queries?.refused.current ?? [];
  }

  get lastSyncedAt(): number | null {
    return this.#queries?.state.current?.lastSyncedAt ?? null;
  }

  get lastError(): { code: string; message: string } | null {
    return this.#queries?.state.current?.lastError ?? null;
  }

  get isCloud(): boolean {
    return this.spaceId !== null && !isLocalSpace(this.spaceId);
  }

  syncNow(): Promise<void> {
    return this.#sync?.sync() ?? Promise.resolve();
  }

  async retry(entry: OutboxEntry): Promise<void> {
    const { retryRefusedEdit } = await import('../sync/edits');
    if (entry.seq !== undefined) await retryRefusedEdit(entry.seq);
  }

  async discard(entry: OutboxEntry): Promise<void> {
    const { discardRefusedEdit } = await import('../sync/edits');
    if (entry.seq !== undefined) await discardRefusedEdit(entry.seq);
  }
}

/** The open space's sync status. */
export const syncStatus = new SyncStatusState();

/** The space id in an app path (`/spaces/:spaceId/...`), or null. */
export function spaceIdOfPath(path: string): string | null {
  const match = /^\/spaces\/([^/]+)/.exec(path);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}
