import type { LockChange } from '#shared/locks/machine';
import type { LockEventMessage, LockSummary } from '#shared/locks/schemas';
import type { FenceUpdate } from '../space/fence';
import type { NoticeDraft } from '../space/notices';
import type { LockRef } from './lock-store';

/** Where a lock reports its changes: the space's object (fence, lock list, live events). */
export interface SpaceLink {
  lockChanged(
    spaceId: string,
    update: FenceUpdate,
    events: LockEventMessage[],
    notices: NoticeDraft[],
  ): Promise<void>;
  /** The item `name`'s version (its latest change's number) and how many items changed after `after`; null when it names no item (L32). */
  itemVersion(
    spaceId: string,
    name: string,
    after: number,
  ): Promise<{ version: number; behind: number } | null>;
}

/** How long a report without a grant may wait to ride along with the next one. */
const COALESCE_MS = 25;

/**
 * Reports a lock's changes to its space. A grant is recorded with the fence, and acknowledged,
 * before the caller may tell anyone (L11): {@link report} resolves only then. Changes without a
 * grant (release, expiry, renewal, queue moves) wait up to {@link COALESCE_MS} and ride along with
 * the next report, so a busy lock costs one space RPC per grant rather than one per change. A late
 * "freed" only keeps the fence stricter for a moment, and reports commute (tokens only rise, the
 * newest `rev` wins), so neither delay nor order can break the fence.
 */
export class SpaceReporter {
  private events: LockEventMessage[] = [];
  private notices: NoticeDraft[] = [];
  private freedToken: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The highest token the fence has acknowledged (in memory: after eviction, re-fencing is harmless). */
  private fencedToken = 0;

  constructor(
    private readonly space: SpaceLink,
    private readonly ref: () => LockRef,
    private readonly summary: () => LockSummary,
    private readonly stake: () => string[],
  ) {}

  /** Sends what is waiting now instead of after {@link COALESCE_MS} (an eviction must free the fence at once, L13). */
  async flushNow(): Promise<void> {
    if (this.events.length > 0 || this.freedToken !== null || this.notices.length > 0) await this.flush(null);
  }

  /** Queues `changes`' events; when they include a grant, resolves once the fence has it. */
  report(changes: readonly LockChange[], events: readonly LockEventMessage[]): Promise<void> {
    this.events.push(...events);
    for (const c of changes) {
      if (c.notify) this.notices.push({ ...c.notify, lock: this.ref().name, at: c.at });
      if (c.kind === 'released' || c.kind === 'expired' || c.kind === 'broken')
        this.freedToken = Math.max(this.freedToken ?? 0, c.token ?? 0);
    }
    const grant = changes.findLast((c) => c.kind === 'granted');
    if (grant?.token && grant.actor) return this.fence(grant.token, grant.actor.userId);
    if (this.events.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush(null).catch((error: unknown) =>
          console.error(`lock ${this.ref().name}: report to the space failed`, error),
        );
      }, COALESCE_MS);
    }
    return Promise.resolve();
  }

  /** Whether the fence has acknowledged `token` (as far as this object's memory goes). */
  fenced(token: number): boolean {
    return token <= this.fencedToken;
  }

  /** Records `token` with the fence unless it already acknowledged it (a retried acquire, L9/L11). */
  async fence(token: number, userId: string): Promise<void> {
    if (token <= this.fencedToken) return;
    await this.flush({ token, userId });
    this.fencedToken = Math.max(this.fencedToken, token);
  }

  private flush(granted: FenceUpdate['granted']): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ref = this.ref();
    const update: FenceUpdate = {
      name: ref.name,
      granted,
      freedToken: this.freedToken,
      summary: this.summary(),
      stake: this.stake(),
    };
    const events = this.events;
    const notices = this.notices;
    this.events = [];
    this.notices = [];
    this.freedToken = null;
    return this.space.lockChanged(ref.spaceId, update, events, notices);
  }
}
