import type { LockRef } from '../locks/lock-store';
import type { Fence, FenceUpdate } from './fence';
import type { Membership } from './membership';

/** The one call the space makes on a lock's object when a member lost the right to lock. */
export interface EvictingLock {
  evict(ref: LockRef, userId: string, detail: string): Promise<void>;
}

const notAnEditor = (username: string) => `${username} is no longer an editor of this space`;

/**
 * Rule L13 for a SpaceObject: a member removed or lowered below editor loses every queued request
 * and held lease at once. The fence knows who holds or waits for each lock (`stake`), so only those
 * locks are asked; and a lock whose report still names a non-editor (a request authorized just
 * before the removal) is asked too.
 */
export class LockEvictions {
  constructor(
    private readonly membership: Membership,
    private readonly fence: Fence,
    private readonly lock: (spaceId: string, name: string) => EvictingLock,
    private readonly inBackground: (work: Promise<unknown>) => void,
  ) {}

  /** `userId` (`username`) was removed or lowered: ends their part in every lock, before answering. */
  async memberLost(userId: string, username: string): Promise<void> {
    const spaceId = this.membership.info()?.spaceId;
    if (!spaceId) return;
    await Promise.all(
      this.fence
        .namesWithStake(userId)
        .map((name) => this.lock(spaceId, name).evict({ spaceId, name }, userId, notAnEditor(username))),
    );
  }

  /** A lock reported who holds or waits for it: anyone no longer an editor is dropped. */
  checkReport(update: FenceUpdate): void {
    const spaceId = this.membership.info()?.spaceId;
    if (!spaceId) return;
    const { name } = update;
    for (const userId of this.membership.notEditors(update.stake)) {
      const username = this.membership.access(userId)?.username ?? 'a former member';
      const evicted = this.lock(spaceId, name).evict({ spaceId, name }, userId, notAnEditor(username));
      this.inBackground(
        evicted.catch((error: unknown) => console.error(`lock ${name}: eviction failed`, error)),
      );
    }
  }
}
