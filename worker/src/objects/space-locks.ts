import type { Role } from '#shared/accounts/roles';
import type { LockEventMessage, LockHolder, LockSummary } from '#shared/locks/schemas';
import type { NoticeListResponse, PushSubscriptionInput } from '#shared/notices/schemas';
import type { SpaceSocketMessage } from '#shared/socket';
import { pushEndpointAllowed } from '../push/web-push';
import type { FenceUpdate, FenceVerdict } from '../space/fence';
import { folderLocksAround, type FolderLocksAround } from '../space/folder-locks';
import type { ReserveAnswer } from '../space/lock-reservations';
import type { NoticeDraft } from '../space/notices';
import { SpaceFiles } from './space-files';

/** What a LockObject reports of a change: the fence's update, then the events and notices to send (L11). */
export interface LockReport {
  update: FenceUpdate;
  events: LockEventMessage[];
  notices?: NoticeDraft[];
}

/**
 * The SpaceObject's locks area: the live channel, the lock fence, reservations, stale facts, and
 * notices with Web Push (logic in ../space/hub.ts, fence.ts, notifier.ts; rules in docs/spec/locks.md).
 */
export class SpaceLocks extends SpaceFiles {
  /** Sends `message` to every connected member; returns how many sockets it reached. */
  broadcast(message: SpaceSocketMessage): number {
    return this.hub.broadcast(message);
  }
  /** Closes the live sockets of a removed member or a revoked session. */
  closeSockets(target: { userId: string } | { sessionId: string }, reason: string): number {
    return this.hub.close(target, reason);
  }
  /** A LockObject reports a change: the fence is updated (L11) before the events and notices go out. */
  lockChanged({ update, events, notices = [] }: LockReport): void {
    this.fence.apply(update);
    this.reservations.report(update);
    for (const event of events) this.hub.broadcast(event);
    this.notifier.deliver(notices);
    this.evictions.checkReport(update);
  }
  /** A LockObject reserves its name before it grants a free lock (L22); refused when an overlapping lock is held. */
  reserveLock({ name, rev, asker }: { name: string; rev: number; asker: LockHolder }): ReserveAnswer {
    return this.reservations.reserve(name, rev, asker);
  }
  /** The reserving acquire granted nothing: the lock is free at `rev` (L22). */
  unreserveLock(name: string, rev: number): void {
    this.reservations.unreserve(name, rev);
  }
  /** Folder check-outs held over `folder` (its own and its parents') and inside it (L21), for WebDAV. */
  folderLocks(folder: string): FolderLocksAround {
    return folderLocksAround(this.ctx.storage.sql, this.fence, folder);
  }

  // Notices and Web Push (logic in ../space/notifier.ts; rules L26–L29 in docs/spec/locks.md).
  notices(userId: string, after: number): NoticeListResponse {
    return this.notifier.list(userId, after);
  }
  setNoticesEnabled(userId: string, enabled: boolean): void {
    this.notifier.setEnabled(userId, enabled);
  }
  /** Keeps a device's push subscription; false when its endpoint is not one the server sends to. */
  addPushSubscription(userId: string, sub: PushSubscriptionInput): boolean {
    if (!pushEndpointAllowed(sub.endpoint, this.env.PUSH_LOCAL_ENDPOINTS === 'true')) return false;
    this.notifier.subscriptions.add(userId, { endpoint: sub.endpoint, ...sub.keys });
    return true;
  }
  removePushSubscription(userId: string, endpoint: string): void {
    this.notifier.subscriptions.remove(endpoint, userId);
  }
  /** Held or contended locks, each with the last activity on what it guards (L31). */
  listLocks(): LockSummary[] {
    return this.activity.decorate(this.fence.list(Date.now()));
  }
  staleAfterDays(): number {
    return this.activity.staleAfterDays();
  }
  /** The stale rule (L31): after how many days without activity a checkout is stale. */
  setStaleAfterDays(days: number): void {
    this.activity.setStaleAfterDays(days);
  }
  /** The item lock `name` guards: its version, and how many items changed after `after` (L32). */
  itemVersion(name: string, after: number): { version: number; behind: number } | null {
    return this.activity.itemVersion(name, after);
  }
  /** What lock `name` needs to decide whether its checkout is stale (L31). */
  staleFacts(name: string): { staleAfterMs: number; activeAt: number | null } {
    return this.activity.facts(name);
  }
  /** The held or awaited locks among `names`. */
  listLocksOf(names: string[]): LockSummary[] {
    return this.fence.listOf(names, Date.now());
  }
  /** Every lock name with history in the space (the fence has a row per lock ever granted). */
  lockNames(): string[] {
    return this.fence.names();
  }
  /** For sockets held by other objects (a lock's own): the peer's role now, or null when it lost access. */
  socketPeerRole(userId: string, sessionId: string): Role | null {
    return this.peerRole(userId, sessionId);
  }
  /** For the sync engine: may `userId` write to what lock `name` guards, carrying `token`? */
  fenceCheck({ name, token, userId }: { name: string; token: number | null; userId: string }): FenceVerdict {
    return this.fence.check(name, token, userId);
  }
}
