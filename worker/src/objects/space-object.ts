import { DurableObject } from 'cloudflare:workers';
import { blobLimits, maxPushBytes, pushContact } from '../config';
import type { Env } from '../env';
import { migrate } from '../storage/migrate';
import type { Link } from '#shared/accounts/links';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import type { Member } from '#shared/accounts/spaces';
import { randomToken } from '../accounts/crypto';
import { systemClock, type Result } from '../accounts/result';
import { Membership, MEMBERSHIP_SCHEMA_STEP, type SpaceAccess, type SpaceInfo } from '../space/membership';
import type { BlobInfo, BlobUsage, UploadState } from '#shared/blobs/protocol';
import type { LockEventMessage, LockHolder, LockSummary } from '#shared/locks/schemas';
import type { SpaceSocketMessage } from '#shared/socket';
import {
  Fence,
  FENCE_SCHEMA_STEP,
  FENCE_SCHEMA_STEP_2,
  type FenceUpdate,
  type FenceVerdict,
} from '../space/fence';
import { lockObjectName } from './lock-object';
import { HUB_SCHEMA_STEP, sendAll, SpaceHub } from '../space/hub';
import { replyToSocketPush } from '../space/socket-push';
import { LockEvictions } from '../space/lock-evictions';
import {
  ChangeLog,
  CHANGE_LOG_MOVES_STEP,
  CHANGE_LOG_SCHEMA_STEP,
  type PushOutcome,
} from '../space/change-log';
import { VERSION_STORE_SCHEMA_STEP } from '../space/version-store';
import { VERSION_PACKING_SCHEMA_STEP } from '../space/version-packing';
import { REWIND_UNDO_SCHEMA_STEP } from '../space/rewind-rollback';
import { VERSION_CHECKOUT_SCHEMA_STEP } from '../space/version-checkouts';
import { activityOf } from '../space/activity';
import { bucketFor, DAY_MS, type ActivityResponse } from '#shared/history/activity';
import { DAV_READS_SCHEMA_STEP, DavReads } from '../space/dav-reads';
import { FORMER_MEMBER, HISTORY_SCHEMA_STEP, ItemHistory } from '../space/history';
import { NO_SUCH_ITEM, restoreItem, undeleteItems, type RestoreDeps } from '../space/history-restore';
import { deletedItems } from '../space/deleted-items';
import { applyRewind, changedSince, planRewind, rewindProblem, type RewindDeps } from '../space/rewind';
import { RewindJobs, REWIND_SCHEMA_STEP } from '../space/rewind-jobs';
import {
  REWIND_FOREGROUND_MAX,
  type RewindJob,
  type RewindRequest,
  type RewindResponse,
} from '#shared/history/rewind';
import { HistoryRetention, THIN_EVERY_MS } from '../space/history-retention';
import type { HistorySettingsResponse } from '#shared/history/settings';
import type { Retention } from '#shared/history/retention';
import type { UndeleteResponse } from '#shared/history/deleted';
import type { NameVersionResponse, RestoreRequest, RestoreResponse } from '#shared/history/protocol';
import type { VersionFront } from '#shared/sync/versions';
import { LockReservations, RESERVATION_SCHEMA_STEP, type ReserveAnswer } from '../space/lock-reservations';
import { folderLocksAround, type FolderLocksAround } from '../space/folder-locks';
import type { Mutation } from '#shared/sync/mutation';
import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import {
  POKE_PAGE_MAX_BYTES,
  POKE_PAGE_MAX_CHANGES,
  type MutationResult,
  type PushResponse,
} from '#shared/sync/protocol';
import { BlobRefs } from '../space/blob-refs';
import { DAV_SCHEMA_STEP, DavStore, type DavTreeChange } from '../space/dav-store';
import type { DavEntry } from '../space/dav-entry';
import { DavTree, type DavChild, type DavResolved } from '../space/dav-tree';
import { fillItemIndex, ItemIndex, ITEM_INDEX_SCHEMA_STEP } from '../space/item-index';
import { NOTICE_SCHEMA_STEP, type NoticeDraft } from '../space/notices';
import { LOCK_ACTIVITY_SCHEMA_STEP, LockActivity } from '../space/lock-activity';
import { SpaceNotifier } from '../space/notifier';
import { pushEndpointAllowed } from '../push/web-push';
import type { NoticeListResponse, PushSubscriptionInput } from '#shared/notices/schemas';
import { serverMutation, type ServerEdit } from '../space/server-edit';
import {
  BLOB_SCHEMA_STEP,
  BLOB_SCHEMA_STEP_2,
  BLOB_SCHEMA_STEP_3,
  r2BlobBucket,
  type BlobSettings,
  type CompleteTarget,
  type Outcome,
  type PartTarget,
} from '../space/blob-schema';

const SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  MEMBERSHIP_SCHEMA_STEP,
  BLOB_SCHEMA_STEP,
  FENCE_SCHEMA_STEP,
  CHANGE_LOG_SCHEMA_STEP,
  BLOB_SCHEMA_STEP_2,
  HUB_SCHEMA_STEP,
  FENCE_SCHEMA_STEP_2,
  BLOB_SCHEMA_STEP_3,
  DAV_SCHEMA_STEP,
  VERSION_STORE_SCHEMA_STEP,
  DAV_READS_SCHEMA_STEP,
  CHANGE_LOG_MOVES_STEP,
  ITEM_INDEX_SCHEMA_STEP,
  RESERVATION_SCHEMA_STEP,
  HISTORY_SCHEMA_STEP,
  REWIND_SCHEMA_STEP,
  NOTICE_SCHEMA_STEP,
  LOCK_ACTIVITY_SCHEMA_STEP,
  VERSION_PACKING_SCHEMA_STEP,
  REWIND_UNDO_SCHEMA_STEP,
  VERSION_CHECKOUT_SCHEMA_STEP,
];

/** Brings the space's storage to the current schema, with the item index filled (D11). */
function prepareStorage(storage: DurableObjectStorage): void {
  migrate(storage, SCHEMA);
  fillItemIndex(storage);
}

/** Durable Object for one space; see docs/architecture.md. */
export class SpaceObject extends DurableObject<Env> {
  private readonly membership: Membership;
  private readonly blobs: BlobRefs;
  private readonly hub: SpaceHub;
  private readonly fence: Fence;
  private readonly changeLog: ChangeLog;
  private readonly evictions: LockEvictions;
  private readonly dav: DavStore;
  private readonly davReads: DavReads;
  private readonly davTree: DavTree;
  private readonly reservations: LockReservations;
  private readonly history: ItemHistory;
  private readonly retention: HistoryRetention;
  private readonly rewindJobs: RewindJobs;
  private thinBooked = false;
  private readonly notifier: SpaceNotifier;
  private readonly activity: LockActivity;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    prepareStorage(ctx.storage);
    this.membership = new Membership(ctx.storage.sql, systemClock);
    this.blobs = new BlobRefs(
      ctx.storage.sql,
      r2BlobBucket(env.BLOBS),
      () => systemClock.now(),
      (at) => this.scheduleAlarm(at),
      blobLimits(env),
    );
    this.hub = new SpaceHub(ctx, (ws, peer, message) =>
      replyToSocketPush(ws, message, peer, {
        roleOf: (userId, sessionId) => this.socketPeerRole(userId, sessionId),
        push: (mutations, userId) => this.syncPush(mutations, userId),
        maxBytes: maxPushBytes(env),
      }),
    );
    this.fence = new Fence(ctx.storage.sql);
    this.evictions = new LockEvictions(
      this.membership,
      this.fence,
      (spaceId, name) => env.LOCKS.get(env.LOCKS.idFromName(lockObjectName(spaceId, name))),
      (work) => ctx.waitUntil(work),
    );
    this.activity = new LockActivity(ctx.storage.sql);
    this.changeLog = new ChangeLog(ctx.storage, (name, token, userId) => {
      const verdict = this.fence.check(name, token, userId);
      // A write under a check-out is its holder's activity (the stale rule, L31).
      if (verdict.ok && token !== null) this.activity.touch(name, Date.now());
      return verdict;
    });
    this.dav = new DavStore(ctx.storage.sql, () => systemClock.now());
    this.davReads = new DavReads(ctx.storage.sql);
    this.davTree = new DavTree(new ItemIndex(ctx.storage.sql), this.dav);
    this.reservations = new LockReservations(ctx.storage.sql, (itemId) => {
      const item = this.dav.item(itemId);
      return item ? folderOf(item.fields[FOLDER_FIELD]?.v) : null;
    });
    this.history = new ItemHistory(ctx.storage.sql);
    this.retention = new HistoryRetention(ctx.storage);
    this.rewindJobs = new RewindJobs(ctx.storage.sql);
    this.notifier = new SpaceNotifier({
      sql: ctx.storage.sql,
      now: () => systemClock.now(),
      toSockets: (userId, text) => sendAll(ctx.getWebSockets(`user:${userId}`), text),
      titleOf: (lock) => {
        const title = this.dav.item(lock)?.fields['title']?.v;
        return typeof title === 'string' && title.trim() ? title.trim() : null;
      },
      spaceId: () => this.membership.info()?.spaceId ?? null,
      vapid: async () => ({
        ...(await env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory')).vapidKeys()),
        subject: pushContact(env),
      }),
      waitUntil: (work) => ctx.waitUntil(work),
    });
  }

  // Accounts: members, roles and share links (logic in ../space/membership.ts).
  createSpace(spaceId: string, name: string, owner: { userId: string; username: string }): Result<SpaceInfo> {
    return this.membership.create(spaceId, name, owner);
  }
  spaceAccess(userId: string): SpaceAccess | undefined {
    return this.membership.access(userId);
  }
  renameSpace(name: string): SpaceInfo | undefined {
    return this.membership.rename(name);
  }
  /** Deletes everything the space stored, then leaves an empty, never-created space behind. */
  async deleteSpace(): Promise<string[]> {
    const userIds = this.membership.members().map((member) => member.userId);
    for (const userId of userIds) this.hub.close({ userId }, 'This space was deleted.');
    await this.blobs.purgeAll(); // R2 holds the files' bytes outside this object's storage.
    await this.ctx.storage.deleteAll();
    prepareStorage(this.ctx.storage);
    return userIds;
  }
  listMembers(): Member[] {
    return this.membership.members();
  }
  /**
   * A member whose role changed reconnects, so that their sockets carry the new role; one lowered
   * below editor loses their queued requests and held locks at once (L13).
   */
  async changeRole(userId: string, role: Role): Promise<Result<Member>> {
    const result = this.membership.changeRole(userId, role);
    if (!result.ok) return result;
    this.hub.close({ userId }, 'Your role in this space changed.');
    if (!roleAtLeast(role, 'editor')) await this.evictions.memberLost(userId, result.value.username);
    return result;
  }
  async removeMember(userId: string): Promise<Result<null>> {
    const username = this.membership.access(userId)?.username ?? 'a former member';
    const result = this.membership.remove(userId);
    if (!result.ok) return result;
    this.hub.close({ userId }, 'You are no longer a member of this space.');
    // A former member's devices get no more pushes from this space (L29).
    this.notifier.subscriptions.removeUser(userId);
    await this.evictions.memberLost(userId, username);
    return result;
  }
  createLink(
    tokenHash: string,
    role: Role,
    createdBy: string,
    options: { expiresInMs?: number; maxUses?: number },
  ): Link {
    return this.membership.createLink(tokenHash, role, createdBy, options);
  }
  listLinks(): Link[] {
    return this.membership.links();
  }
  revokeLink(linkId: string): Result<Link> {
    return this.membership.revokeLink(linkId);
  }
  previewLink(tokenHash: string): Result<{ space: SpaceInfo; role: Role }> {
    return this.membership.previewLink(tokenHash);
  }
  redeemLink(tokenHash: string, user: { userId: string; username: string }): Result<SpaceAccess> {
    return this.membership.redeemLink(tokenHash, user);
  }

  // Files: blob records, quota, uploads in flight (logic in ../space/blob-refs.ts).
  blobGet(sha256: string): { size: number; key: string } | null {
    return this.blobs.get(sha256);
  }
  /** Bytes verified at a key of their own become the blob, unless the space has it (see BlobRefs.adopt). */
  blobAdopt(sha256: string, size: number, key: string): Promise<Outcome<BlobInfo>> {
    return this.blobs.adopt(sha256, size, key);
  }
  blobHas(hashes: string[]): string[] {
    return this.blobs.has(hashes);
  }
  blobUsage(): BlobUsage {
    return this.blobs.usage();
  }
  blobSettings(settings: Partial<BlobSettings>): BlobSettings {
    this.blobs.setSettings(settings);
    return this.blobs.settings();
  }
  blobBeginPut(sha256: string, size: number, key: string, userId: string) {
    return this.blobs.uploads.beginPut(sha256, size, key, userId);
  }
  blobFinishPut(uploadId: string): Promise<Outcome<BlobInfo>> {
    return this.blobs.uploads.finishPut(uploadId);
  }
  blobCreateUpload(
    sha256: string,
    size: number,
    partSize: number,
    key: string,
    userId: string,
  ): Promise<Outcome<BlobInfo | UploadState>> {
    return this.blobs.uploads.createUpload(sha256, size, partSize, key, userId);
  }
  blobUploadState(uploadId: string, userId: string): Outcome<UploadState> {
    return this.blobs.uploads.state(uploadId, userId);
  }
  blobPartTarget(
    uploadId: string,
    partNumber: number,
    length: number,
    sha256: string,
    userId: string,
  ): Outcome<PartTarget> {
    return this.blobs.uploads.partTarget(uploadId, partNumber, length, sha256, userId);
  }
  blobRecordPart(
    uploadId: string,
    partNumber: number,
    size: number,
    etag: string,
    sha256: string,
    userId: string,
  ): Outcome<null> {
    return this.blobs.uploads.recordPart(uploadId, partNumber, size, etag, sha256, userId);
  }
  blobBeginComplete(uploadId: string, userId: string): Outcome<CompleteTarget> {
    return this.blobs.uploads.beginComplete(uploadId, userId);
  }
  blobReopenUpload(uploadId: string): Outcome<{ missing: number[] }> {
    return this.blobs.uploads.reopen(uploadId);
  }
  blobFinishComplete(uploadId: string, verified: boolean): Promise<Outcome<BlobInfo>> {
    return this.blobs.uploads.finishComplete(uploadId, verified);
  }
  /** Aborts the caller's upload; `userId` null is the space itself (a failed single PUT). */
  blobAbort(uploadId: string, userId: string | null): Promise<Outcome<null>> {
    return this.blobs.uploads.abort(uploadId, userId);
  }
  /** For the sync engine: item `itemId` now points at blob `sha256` (or at none). */
  blobSetItemRef(itemId: string, sha256: string | null): Promise<void> {
    return this.blobs.setItemRef(itemId, sha256);
  }

  // Git LFS (logic in ../lfs/; rules in docs/spec/git-lfs.md).
  /** The key that signs this space's LFS transfer actions (G3): made on first use, gone with the space. */
  lfsActionKey(): string {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'lfs_action_key'")
      .toArray()[0];
    if (row) return row.value;
    const key = randomToken(32);
    sql.exec("INSERT INTO meta (key, value) VALUES ('lfs_action_key', ?)", key);
    return key;
  }

  // Live channel and lock fence (logic in ../space/hub.ts and ../space/fence.ts; rules in docs/spec/locks.md).
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
  /** Sends `message` to every connected member; returns how many sockets it reached. */
  broadcast(message: SpaceSocketMessage): number {
    return this.hub.broadcast(message);
  }
  /** Closes the live sockets of a removed member or a revoked session. */
  closeSockets(target: { userId: string } | { sessionId: string }, reason: string): number {
    return this.hub.close(target, reason);
  }
  /** A LockObject reports a change: the fence is updated (L11) before the events and notices go out. */
  lockChanged(update: FenceUpdate, events: LockEventMessage[], notices: NoticeDraft[] = []): void {
    this.fence.apply(update);
    this.reservations.report(update);
    for (const event of events) this.hub.broadcast(event);
    this.notifier.deliver(notices);
    this.evictions.checkReport(update);
  }
  /** A LockObject reserves its name before it grants a free lock (L22); refused when an overlapping lock is held. */
  reserveLock(name: string, rev: number, asker: LockHolder): ReserveAnswer {
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
    return this.hub.revoked(sessionId) ? null : (this.membership.access(userId)?.role ?? null);
  }
  /** For the sync engine: may `userId` write to what lock `name` guards, carrying `token`? */
  fenceCheck(name: string, token: number | null, userId: string): FenceVerdict {
    return this.fence.check(name, token, userId);
  }

  // Sync: items, change log, pokes (logic in ../space/change-log.ts; rules in docs/spec/sync.md).
  /** Applies a push batch all or nothing, pokes the members, then updates blob references. */
  async syncPush(mutations: Mutation[], userId: string, front: VersionFront = 'app'): Promise<PushResponse> {
    if (!this.thinBooked) this.bookThinning();
    return this.announce(this.changeLog.push(mutations, userId, front));
  }
  /**
   * Edits made by the server for a protocol front (WebDAV), as `userId`: each is stamped by the
   * server's clock and goes through the change log like a pushed mutation (docs/spec/webdav.md).
   * The changes of the front's own tables that go with them (`then`: folders, dead properties)
   * are made in the same transaction, and only when no edit was refused (D10).
   */
  async serverEdit(
    edits: ServerEdit[],
    userId: string,
    then: DavTreeChange[] = [],
    front: VersionFront = 'webdav',
  ): Promise<MutationResult[]> {
    const now = Date.now();
    const mutations = edits.map((edit) => serverMutation(this.dav.item(edit.itemId), edit, now));
    const outcome = this.ctx.storage.transactionSync(() => {
      const pushed = this.changeLog.push(mutations, userId, front);
      if (pushed.results.every((result) => result.status === 'applied'))
        for (const change of then) this.dav.apply(change);
      return pushed;
    });
    return (await this.announce(outcome)).results;
  }
  /** After a batch is stored: pokes the members, then updates blob references. */
  private async announce(outcome: PushOutcome): Promise<PushResponse> {
    if (outcome.grew) this.poke(outcome.before, outcome.head);
    for (const ref of outcome.blobRefs) await this.blobs.setItemRef(ref.itemId, ref.sha256);
    return { results: outcome.results, head: outcome.head, serverTime: Date.now() };
  }
  /** Tells every socket the sequence grew; a small push's changes ride along as a pull page (S21). */
  private poke(before: number, head: number): void {
    const page = this.changeLog.page(before, POKE_PAGE_MAX_CHANGES, Date.now());
    const carried = !page.more && page.json.length <= POKE_PAGE_MAX_BYTES;
    this.hub.broadcastText(
      carried
        ? `{"type":"poke","seq":${head},"from":${before},"page":${page.json}}`
        : JSON.stringify({ type: 'poke', seq: head }),
    );
  }
  /** One page of changes after `after`, as the JSON text of a PullResponse. */
  syncPull(after: number, limit: number): string {
    return this.changeLog.pull(after, limit, Date.now());
  }

  // The WebDAV front's reads, empty folders and dead properties (logic in ../space/dav-*.ts).
  /** What a path below the space names (D11: reads only the folders and names on the path). */
  davResolve(segments: string[]): DavResolved {
    return this.davTree.resolve(segments);
  }
  davChildren(path: string): DavChild[] {
    return this.davTree.children(path);
  }
  davItemsBelow(path: string): DavEntry[] {
    return this.davTree.itemsBelow(path);
  }
  /** One item's state as JSON text (plain text keeps the RPC types shallow). */
  davItem(itemId: string): string | null {
    const item = this.dav.item(itemId);
    return item ? JSON.stringify(item) : null;
  }
  /** An app password read `version` of an item (S37: its PUT without `If-Match` builds on it). */
  davRead(reader: string, itemId: string, version: string): void {
    this.davReads.record(reader, itemId, version, Date.now());
  }
  /** The version of an item an app password last read, or null. */
  davLastRead(reader: string, itemId: string): string | null {
    return this.davReads.lastRead(reader, itemId);
  }
  davPropsOf(targets: string[]): Record<string, Record<string, string>> {
    return this.dav.propsOf(targets);
  }
  davPatchProps(target: string, set: Record<string, string>, remove: string[]): void {
    this.dav.patchProps(target, set, remove);
  }
  /** The current token of lock `name` and whether (and by whom) it is held (rule L11). */
  lockState(name: string): { token: number; held: boolean; holderUserId: string | null } | null {
    return this.fence.current(name);
  }

  // History (logic in ../space/history*.ts and #shared/history; rules in docs/spec/history.md).
  /** A page of an item's edits, newest first, as JSON text of a HistoryResponse; null: no such item. */
  historyPage(itemId: string, before: string | null, limit: number): string | null {
    const item = this.dav.item(itemId);
    return item ? JSON.stringify(this.history.page(item, before, limit)) : null;
  }
  /** Restores (part of) an earlier version as a new edit through the front `restore` (V5–V7). */
  historyRestore(itemId: string, request: RestoreRequest, userId: string): Promise<Result<RestoreResponse>> {
    return restoreItem(this.restoreDeps(), itemId, request, userId);
  }
  /** The deleted items of the last `since` ms for the Deleted tab, as JSON text of a DeletedResponse (V11). */
  deletedList(since: number, limit: number): string {
    const nameOf = (id: string) => this.membership.access(id)?.username ?? FORMER_MEMBER;
    return JSON.stringify(deletedItems(this.ctx.storage.sql, since, limit, nameOf));
  }
  /** Brings deleted items back in their folders, skipping what someone else has checked out (V12). */
  deletedRestore(itemIds: string[], userId: string): Promise<UndeleteResponse> {
    return undeleteItems(this.restoreDeps(), itemIds, userId);
  }
  private restoreDeps(): RestoreDeps {
    return {
      history: this.history,
      item: (id) => this.dav.item(id),
      fence: (name, by) => this.fence.check(name, null, by),
      memberName: (id) => this.membership.access(id)?.username ?? FORMER_MEMBER,
      edit: (edits, by) => this.serverEdit(edits, by, [], 'restore'),
    };
  }
  /** The space's retention and what its history takes (V14). */
  historySettings(): HistorySettingsResponse {
    return { retention: this.retention.settings(), usage: this.retention.usage() };
  }
  /** An owner's retention for the space (V14); the next thinning applies it. */
  setHistorySettings(retention: Retention): HistorySettingsResponse {
    this.retention.setSettings(retention);
    return this.historySettings();
  }
  /** Thins the history now (V13); answers how many versions went. */
  historyThin(now: number): number {
    return this.retention.thin(now);
  }
  /**
   * Previews (`apply` false) or applies a rewind of the space or a folder to a moment (V16–V18);
   * one of more than {@link REWIND_FOREGROUND_MAX} items runs in the background (V20).
   */
  async rewindSpace(request: RewindRequest, userId: string, apply: boolean): Promise<Result<RewindResponse>> {
    const deps = this.rewindDeps();
    const problem = rewindProblem(deps, request);
    if (problem) return { ok: false, code: 'VALIDATION_FAILED', message: problem };
    if (apply && this.rewindJobs.running())
      return {
        ok: false,
        code: 'CONFLICT',
        message: 'A rewind is already running; cancel it or wait for it.',
      };
    const { answer, edits } = planRewind(deps, request, userId, changedSince(deps.sql, request.at));
    if (!apply) return { ok: true, value: answer };
    if (edits.length <= REWIND_FOREGROUND_MAX) {
      await applyRewind(deps, edits, userId);
      return { ok: true, value: { ...answer, applied: true } };
    }
    this.rewindJobs.start(request, userId, changedSince(deps.sql, request.at).length, deps.now);
    await this.scheduleAlarm(Date.now());
    const job = this.rewindJob();
    return { ok: true, value: job ? { ...answer, job } : answer };
  }
  /** The newest background rewind (V20). */
  rewindJob(): RewindJob | null {
    return this.rewindJobs.latest((id) => this.membership.access(id)?.username ?? FORMER_MEMBER);
  }
  /** The space's edits per hour or day over the last `days` of retained history (V23). */
  historyActivity(days: number): ActivityResponse {
    const now = Date.now();
    const from = Math.max(now - days * DAY_MS, now - this.retention.settings().keepDays * DAY_MS);
    return activityOf(this.ctx.storage.sql, from, now, bucketFor(days));
  }
  /** Cancels the running background rewind; the next steps roll it back whole (V20, V22). */
  async cancelRewind(): Promise<RewindJob | null> {
    if (this.rewindJobs.cancel()) await this.scheduleAlarm(Date.now());
    return this.rewindJob();
  }
  private rewindDeps(): RewindDeps {
    const now = Date.now();
    const oldest = now - this.retention.settings().keepDays * 24 * 3_600_000;
    return { ...this.restoreDeps(), sql: this.ctx.storage.sql, oldest, now };
  }
  /** Names a version to keep it forever, or takes the name away (`name` null) (V8). */
  historyName(
    itemId: string,
    stamp: string,
    name: string | null,
    userId: string,
  ): Result<NameVersionResponse> {
    if (!this.dav.item(itemId)) return { ok: false, code: 'NOT_FOUND', message: NO_SUCH_ITEM };
    if (!this.history.hasEdit(itemId, stamp))
      return { ok: false, code: 'NOT_FOUND', message: 'This item has no such version.' };
    this.history.setName(itemId, stamp, name, userId, Date.now());
    return { ok: true, value: { stamp, name } };
  }

  /** One alarm per object, shared by the areas: each handler does its due work and books its next time. */
  override async alarm(): Promise<void> {
    // A background rewind goes on a step per alarm (V20), surviving restarts.
    if (await this.rewindJobs.step(this.rewindDeps())) await this.scheduleAlarm(Date.now());
    // Thinning first: bytes only an earlier version held may go in the same run.
    await this.thinIfDue();
    await this.blobs.runCleanup();
  }
  /** Thins the history once a day (V13), booked on the first push an object sees. */
  private async thinIfDue(): Promise<void> {
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
  private async scheduleAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}
