import type { UndeleteResponse } from '#shared/history/deleted';
import type { NameVersionResponse, RestoreRequest, RestoreResponse } from '#shared/history/protocol';
import type { Retention } from '#shared/history/retention';
import {
  REWIND_FOREGROUND_MAX,
  type RewindJob,
  type RewindRequest,
  type RewindResponse,
} from '#shared/history/rewind';
import type { HistorySettingsResponse } from '#shared/history/settings';
import type { Mutation } from '#shared/sync/mutation';
import type { MutationResult, PushResponse } from '#shared/sync/protocol';
import type { VersionFront } from '#shared/sync/versions';
import type { Result } from '../kernel/result';
import { activityOf } from '../space/activity';
import { bucketFor, DAY_MS, type ActivityResponse } from '#shared/history/activity';
import type { DavEntry } from '../space/dav-entry';
import type { DavChild, DavResolved } from '../space/dav-tree';
import { deletedItems } from '../space/deleted-items';
import { FORMER_MEMBER } from '../space/history';
import { NO_SUCH_ITEM, restoreItem, undeleteItems, type RestoreDeps } from '../space/history-restore';
import { applyRewind, changedSince, planRewind, rewindProblem, type RewindDeps } from '../space/rewind';
import type { ServerEditRequest } from '../space/space-sync';
import { SpaceLocks } from './space-locks';

/**
 * Durable Object for one space; see docs/architecture.md. Its RPC is layered by area (./space-core.ts
 * says how); this last layer holds sync, the WebDAV front's reads and history.
 */
export class SpaceObject extends SpaceLocks {
  // Sync: items, change log, pokes (logic in ../space/space-sync.ts; rules in docs/spec/sync.md).
  /** Applies a push batch all or nothing, pokes the members, then updates blob references. */
  syncPush(mutations: Mutation[], userId: string, front: VersionFront = 'app'): Promise<PushResponse> {
    return this.sync.push(mutations, userId, front);
  }
  /** Edits made by the server for a protocol front (WebDAV), as one push (docs/spec/webdav.md, D10). */
  serverEdit(request: ServerEditRequest): Promise<MutationResult[]> {
    return this.sync.serverEdit(request);
  }
  /** One page of changes after `after`, as the JSON text of a PullResponse. */
  syncPull(after: number, limit: number): string {
    return this.sync.pull(after, limit);
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
  davRead({ reader, itemId, version }: { reader: string; itemId: string; version: string }): void {
    this.davReads.record(reader, itemId, version, Date.now());
  }
  /** The version of an item an app password last read, or null. */
  davLastRead(reader: string, itemId: string): string | null {
    return this.davReads.lastRead(reader, itemId);
  }
  davPropsOf(targets: string[]): Record<string, Record<string, string>> {
    return this.dav.propsOf(targets);
  }
  davPatchProps(patch: { target: string; set: Record<string, string>; remove: string[] }): void {
    this.dav.patchProps(patch.target, patch.set, patch.remove);
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
      edit: (edits, by) => this.serverEdit({ edits, userId: by, front: 'restore' }),
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
}
