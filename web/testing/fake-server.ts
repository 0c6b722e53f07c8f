import { applyBatch, type FenceCheck } from '#shared/sync/apply';
import { MemorySyncStore } from '#shared/sync/memory-store';
import {
  batchProblem,
  POKE_PAGE_MAX_CHANGES,
  PULL_PAGE_DEFAULT,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '#shared/sync/protocol';
import { SyncError, type LiveHandlers, type LiveSocket, type SyncTransport } from '../src/lib/sync/transport';

/**
 * An in-memory server for tests of the client: the same pure `applyBatch` the SpaceObject runs,
 * over a memory store, with switches to cut the network or lose replies.
 */
export class FakeServer {
  readonly store = new MemorySyncStore();
  fence: FenceCheck = () => null;
  online = true;
  /** Lose the reply of the next N pushes (after applying them). */
  loseReplies = 0;
  pushes: PushRequest[] = [];
  /** How many pulls were answered. */
  pulls = 0;
  /** Whether pokes carry a small push's changes, as the SpaceObject's do (S21). */
  carryPages = true;
  private readonly sockets = new Set<LiveHandlers>();

  transport(): SyncTransport {
    return {
      push: (_spaceId, request) => Promise.resolve().then(() => this.push(request)),
      pull: (_spaceId, after, limit) =>
        Promise.resolve().then(() => this.pull(after, limit ?? PULL_PAGE_DEFAULT)),
      connect: (_spaceId, handlers) => this.connect(handlers),
    };
  }

  private push(request: PushRequest): PushResponse {
    if (!this.online) throw new SyncError('NETWORK', 'offline', 0, 'retry');
    const problem = batchProblem(request, Date.now());
    if (problem) throw new SyncError(problem.code, problem.message, 400, 'reject');
    this.pushes.push(request);
    const before = this.store.head();
    const results = this.store.transaction(() => applyBatch(this.store, request.mutations, this.fence));
    const head = this.store.head();
    if (head > before) {
      const page = this.changesPage(before, POKE_PAGE_MAX_CHANGES);
      const poke = this.carryPages && !page.more ? { from: before, page } : {};
      for (const socket of this.sockets) socket.onMessage({ type: 'poke', seq: head, ...poke });
    }
    if (this.loseReplies > 0) {
      this.loseReplies -= 1;
      throw new SyncError('NETWORK', 'reply lost', 0, 'retry');
    }
    return { results, head, serverTime: Date.now() };
  }

  private pull(after: number, limit: number): PullResponse {
    if (!this.online) throw new SyncError('NETWORK', 'offline', 0, 'retry');
    this.pulls += 1;
    return this.changesPage(after, limit);
  }

  private changesPage(after: number, limit: number): PullResponse {
    const changes = this.store.changesAfter(after, limit);
    const next = changes.at(-1)?.seq ?? after;
    const head = this.store.head();
    return { changes, next, head, more: next < head, serverTime: Date.now() };
  }

  private connect(handlers: LiveHandlers): LiveSocket {
    this.sockets.add(handlers);
    queueMicrotask(() => handlers.onOpen());
    return { close: () => this.sockets.delete(handlers) };
  }
}
