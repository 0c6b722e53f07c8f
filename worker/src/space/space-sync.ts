import type { Mutation } from '#shared/sync/mutation';
import {
  POKE_PAGE_MAX_BYTES,
  POKE_PAGE_MAX_CHANGES,
  type MutationResult,
  type PushResponse,
} from '#shared/sync/protocol';
import type { VersionFront } from '#shared/sync/versions';
import type { BlobRefs } from './blob-refs';
import type { ChangeLog, PushOutcome } from './change-log';
import type { DavStore, DavTreeChange } from './dav-store';
import type { SpaceHub } from './hub';
import { serverMutation, type ServerEdit } from './server-edit';

/**
 * Edits made by the server for a protocol front (WebDAV, a restore), as `userId`, through the
 * front `front` (default `webdav`). The changes of the front's own tables that go with them
 * (`then`: folders, dead properties) are made only when no edit was refused (D10).
 */
export interface ServerEditRequest {
  edits: ServerEdit[];
  userId: string;
  then?: DavTreeChange[];
  front?: VersionFront;
}

/** What the sync area of a space works with. */
export interface SyncParts {
  storage: DurableObjectStorage;
  changeLog: ChangeLog;
  dav: DavStore;
  blobs: BlobRefs;
  hub: SpaceHub;
  /** Called before each push is applied (the history's thinning is booked on the first). */
  beforePush: () => void;
}

/**
 * The sync area of a space (docs/spec/sync.md): pushes applied all or nothing through the change
 * log, the members poked, blob references updated; and pulls of the log.
 */
export class SpaceSync {
  constructor(private readonly parts: SyncParts) {}

  /** Applies a push batch all or nothing, pokes the members, then updates blob references. */
  async push(mutations: Mutation[], userId: string, front: VersionFront = 'app'): Promise<PushResponse> {
    this.parts.beforePush();
    return this.announce(this.parts.changeLog.push(mutations, userId, front));
  }

  /**
   * Each server edit is stamped by the server's clock and goes through the change log like a
   * pushed mutation (docs/spec/webdav.md), with `then` in the same transaction.
   */
  async serverEdit({
    edits,
    userId,
    then = [],
    front = 'webdav',
  }: ServerEditRequest): Promise<MutationResult[]> {
    const { storage, changeLog, dav } = this.parts;
    const now = Date.now();
    const mutations = edits.map((edit) => serverMutation(dav.item(edit.itemId), edit, now));
    const outcome = storage.transactionSync(() => {
      const pushed = changeLog.push(mutations, userId, front);
      if (pushed.results.every((result) => result.status === 'applied'))
        for (const change of then) dav.apply(change);
      return pushed;
    });
    return (await this.announce(outcome)).results;
  }

  /** One page of changes after `after`, as the JSON text of a PullResponse. */
  pull(after: number, limit: number): string {
    return this.parts.changeLog.pull(after, limit, Date.now());
  }

  /** After a batch is stored: pokes the members, then updates blob references. */
  private async announce(outcome: PushOutcome): Promise<PushResponse> {
    if (outcome.grew) this.poke(outcome.before, outcome.head);
    for (const ref of outcome.blobRefs) await this.parts.blobs.setItemRef(ref.itemId, ref.sha256);
    return { results: outcome.results, head: outcome.head, serverTime: Date.now() };
  }

  /** Tells every socket the sequence grew; a small push's changes ride along as a pull page (S21). */
  private poke(before: number, head: number): void {
    const page = this.parts.changeLog.page(before, POKE_PAGE_MAX_CHANGES, Date.now());
    const carried = !page.more && page.json.length <= POKE_PAGE_MAX_BYTES;
    this.parts.hub.broadcastText(
      carried
        ? `{"type":"poke","seq":${head},"from":${before},"page":${page.json}}`
        : JSON.stringify({ type: 'poke', seq: head }),
    );
  }
}
