import { DurableObject } from 'cloudflare:workers';
import { FOLDER_FIELD, folderOf } from '#shared/sync/folders';
import type { Role } from '#shared/accounts/roles';
import { blobLimits, maxPushBytes, pushContact } from '../config';
import type { Env } from '../env';
import { sendAll } from '../http/socket-peer';
import { systemClock } from '../kernel/clock';
import { r2BlobBucket } from '../space/blob-schema';
import { BlobRefs } from '../space/blob-refs';
import { ChangeLog } from '../space/change-log';
import { DavReads } from '../space/dav-reads';
import { DavStore } from '../space/dav-store';
import { DavTree } from '../space/dav-tree';
import { Fence } from '../space/fence';
import { ItemHistory } from '../space/history';
import { HistoryRetention, THIN_EVERY_MS } from '../space/history-retention';
import { SpaceHub } from '../space/hub';
import { ItemIndex } from '../space/item-index';
import { LockActivity } from '../space/lock-activity';
import { LockEvictions } from '../space/lock-evictions';
import { LockReservations } from '../space/lock-reservations';
import { Membership } from '../space/membership';
import { SpaceNotifier } from '../space/notifier';
import { RewindJobs } from '../space/rewind-jobs';
import { ShareLinks } from '../space/share-links';
import { replyToSocketPush } from '../space/socket-push';
import { SpaceSync } from '../space/space-sync';
import { prepareSpaceStorage } from './space-schema';
import { directory, lockStub } from './stubs';

/**
 * The storage, areas, sockets and alarm of the SpaceObject (docs/architecture.md). One Durable
 * Object class has to carry every RPC method of a space, so they are layered by area, one file
 * each, on top of this: members (./space-members.ts), files (./space-files.ts), locks and
 * notices (./space-locks.ts), then sync, WebDAV and history (./space-object.ts). Each method
 * only delegates to the domain module that holds the logic.
 */
export class SpaceCore extends DurableObject<Env> {
  protected readonly membership: Membership;
  protected readonly links: ShareLinks;
  protected readonly blobs: BlobRefs;
  protected readonly hub: SpaceHub;
  protected readonly fence: Fence;
  protected readonly changeLog: ChangeLog;
  protected readonly sync: SpaceSync;
  protected readonly evictions: LockEvictions;
  protected readonly dav: DavStore;
  protected readonly davReads: DavReads;
  protected readonly davTree: DavTree;
  protected readonly reservations: LockReservations;
  protected readonly history: ItemHistory;
  protected readonly retention: HistoryRetention;
  protected readonly rewindJobs: RewindJobs;
  protected readonly notifier: SpaceNotifier;
  protected readonly activity: LockActivity;
  private thinBooked = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    prepareSpaceStorage(ctx.storage);
    const sql = ctx.storage.sql;
    const now = () => systemClock.now();
    this.membership = new Membership(sql, systemClock);
    this.links = new ShareLinks(sql, systemClock, this.membership);
    const scheduleAlarm = (at: number) => this.scheduleAlarm(at);
    this.blobs = new BlobRefs(sql, r2BlobBucket(env.BLOBS), now, scheduleAlarm, blobLimits(env));
    this.hub = new SpaceHub(ctx, (ws, peer, message) =>
      replyToSocketPush(ws, message, peer, {
        roleOf: (userId, sessionId) => this.peerRole(userId, sessionId),
        push: (mutations, userId) => this.sync.push(mutations, userId),
        maxBytes: maxPushBytes(env),
      }),
    );
    this.fence = new Fence(sql);
    this.evictions = new LockEvictions(
      this.membership,
      this.fence,
      (spaceId, name) => lockStub(env, spaceId, name),
      (work) => ctx.waitUntil(work),
    );
    this.activity = new LockActivity(sql);
    this.changeLog = new ChangeLog(ctx.storage, (name, token, userId) => {
      const verdict = this.fence.check(name, token, userId);
      // A write under a check-out is its holder's activity (the stale rule, L31).
      if (verdict.ok && token !== null) this.activity.touch(name, Date.now());
      return verdict;
    });
    this.dav = new DavStore(sql, now);
    this.davReads = new DavReads(sql);
    this.davTree = new DavTree(new ItemIndex(sql), this.dav);
    this.sync = new SpaceSync({
      storage: ctx.storage,
      changeLog: this.changeLog,
      dav: this.dav,
      blobs: this.blobs,
      hub: this.hub,
      beforePush: () => {
        if (!this.thinBooked) this.bookThinning();
      },
    });
    this.reservations = new LockReservations(sql, (itemId) => {
      const item = this.dav.item(itemId);
      return item ? folderOf(item.fields[FOLDER_FIELD]?.v) : null;
    });
    this.history = new ItemHistory(sql);
    this.retention = new HistoryRetention(ctx.storage);
    this.rewindJobs = new RewindJobs(sql);
    this.notifier = new SpaceNotifier({
      sql,
      now,
      toSockets: (userId, text) => sendAll(ctx.getWebSockets(`user:${userId}`), text),
      titleOf: (lock) => {
        const title = this.dav.item(lock)?.fields['title']?.v;
        return typeof title === 'string' && title.trim() ? title.trim() : null;
      },
      spaceId: () => this.membership.info()?.spaceId ?? null,
      vapid: async () => ({
        ...(await directory(env).vapidKeys()),
        subject: pushContact(env),
      }),
      waitUntil: (work) => ctx.waitUntil(work),
    });
  }

  /** A socket peer's role now, or null when it lost access (its session revoked, or no longer a member). */
  protected peerRole(userId: string, sessionId: string): Role | null {
    return this.hub.revoked(sessionId) ? null : (this.membership.access(userId)?.role ?? null);
  }

  /** Empties the space's storage and brings it back to the current schema (a deleted space). */
  protected async wipeStorage(): Promise<void> {
    await this.ctx.storage.deleteAll();
    prepareSpaceStorage(this.ctx.storage);
  }

  /** Upgrades to the space's hibernating WebSocket; the Worker authorized the peer (routes/socket.ts). */
  override fetch(request: Request): Response {
    return this.hub.accept(request);
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.hub.onMessage(ws, message);
  }
  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.hub.onClose(ws, code, reason);
  }

  /** Thins the history once a day (V13), booked on the first push an object sees. */
  protected async thinIfDue(): Promise<void> {
    const now = Date.now();
    const due = this.retention.nextRun();
    // The alarm is shared: one that fired for another area books thinning's time again.
    if (due !== null && due > now) return this.scheduleAlarm(due);
    this.retention.thin(now);
    this.retention.setNextRun(now + THIN_EVERY_MS);
    await this.scheduleAlarm(now + THIN_EVERY_MS);
  }
  private bookThinning(): void {
    this.thinBooked = true;
    if (this.retention.nextRun() !== null) return;
    const at = Date.now() + THIN_EVERY_MS;
    this.retention.setNextRun(at);
    void this.scheduleAlarm(at);
  }
  /** Books the alarm for `at` unless an earlier one is already booked (areas share the one alarm). */
  protected async scheduleAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}
