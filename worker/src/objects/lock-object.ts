import { DurableObject } from 'cloudflare:workers';
import * as v from 'valibot';
import type {
  AcquireRequest,
  AcquireResponse,
  BreakRequest,
  BreakResponse,
  CancelResponse,
  LockHistoryEntry,
  LockHistoryResponse,
  LockOwner,
  LockSummary,
  LockVia,
  ReleaseResponse,
  RenewRequest,
  RenewResponse,
} from '#shared/locks/schemas';
import type {
  AnswerRequest,
  AskResponse,
  HandOverRequest,
  HandOverResponse,
  WatchResponse,
} from '#shared/notices/schemas';
import { systemClock } from '../kernel/clock';
import type { Result } from '../kernel/result';
import { spaceStub } from './stubs';
import type { Env } from '../env';
import { LOCK_SCHEMA_STEP, LOCK_VIA_SCHEMA_STEP, LockStore, type LockRef } from '../locks/lock-store';
import { LockService, type SpaceLink } from '../locks/lock-service';
import { freshPeer, runLockCommand } from '../locks/lock-socket';
import { acceptSocket, connTag, peerOf, peerOfSocket, sendAll } from '../http/socket-peer';
import { migrate } from '../storage/migrate';

const SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  LOCK_SCHEMA_STEP,
  LOCK_VIA_SCHEMA_STEP,
];

const LOCK_REF_HEADER = 'x-baton-lock';
const LockRefSchema = v.object({ spaceId: v.string(), name: v.string() });

/** Adds the lock's identity to an upgrade request for {@link LockObject.fetch}. */
export function withLockRef(request: Request, ref: LockRef): Request {
  request.headers.set(LOCK_REF_HEADER, JSON.stringify(ref));
  return request;
}

/**
 * Durable Object for one lock (docs/spec/locks.md): a thin adapter over LockService. Commands
 * arrive by JS RPC (HTTP routes) or on the lock's own hibernating WebSocket (fast path); expiry
 * runs on the alarm and before every command.
 */
export class LockObject extends DurableObject<Env> {
  private readonly service: LockService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SCHEMA);
    // One lock lives in one space: its stub is made once per object lifetime.
    let stub: ReturnType<typeof spaceStub> | null = null;
    const space: SpaceLink = {
      lockChanged: async (spaceId, update, events, notices) =>
        (stub ??= spaceStub(env, spaceId)).lockChanged({ update, events, notices }),
      itemVersion: async (spaceId, name, after) =>
        (stub ??= spaceStub(env, spaceId)).itemVersion(name, after),
      reserve: async (spaceId, name, rev, asker) =>
        (stub ??= spaceStub(env, spaceId)).reserveLock({ name, rev, asker }),
      unreserve: async (spaceId, name, rev) => (stub ??= spaceStub(env, spaceId)).unreserveLock(name, rev),
    };
    const ports = {
      pushTo: (connId: string, text: string) => void sendAll(ctx.getWebSockets(connTag(connId)), text),
      isOpen: (connId: string) => ctx.getWebSockets(connTag(connId)).length > 0,
      scheduleAlarm: (at: number) => void ctx.storage.setAlarm(at),
    };
    this.service = new LockService(new LockStore(ctx.storage), systemClock, space, ports);
  }

  /** `via`: the front the request came in on (L20). */
  acquire(
    ref: LockRef,
    owner: LockOwner,
    req: AcquireRequest,
    via: LockVia = 'app',
  ): Promise<AcquireResponse> {
    this.service.bind(ref);
    return this.service.acquire(owner, req, null, via);
  }
  renew(ref: LockRef, owner: LockOwner, req: RenewRequest): Promise<Result<RenewResponse>> {
    this.service.bind(ref);
    return this.service.renew(owner, req);
  }
  release(ref: LockRef, owner: LockOwner, token: number, comment?: string): Promise<Result<ReleaseResponse>> {
    this.service.bind(ref);
    return this.service.release(owner, token, comment);
  }
  ask(ref: LockRef, owner: LockOwner, message: string): Promise<Result<AskResponse>> {
    this.service.bind(ref);
    return this.service.courtesy.ask(owner, message);
  }
  answer(ref: LockRef, owner: LockOwner, req: AnswerRequest): Promise<Result<{ status: 'answered' }>> {
    this.service.bind(ref);
    return this.service.courtesy.answer(owner, req);
  }
  handOver(ref: LockRef, owner: LockOwner, req: HandOverRequest): Promise<Result<HandOverResponse>> {
    this.service.bind(ref);
    return this.service.courtesy.handOver(owner, req);
  }
  takeStale(
    ref: LockRef,
    owner: LockOwner,
    facts: { staleAfterMs: number; activeAt: number | null },
  ): Promise<Result<HandOverResponse>> {
    this.service.bind(ref);
    return this.service.courtesy.takeStale(owner, facts);
  }
  watch(ref: LockRef, owner: LockOwner, notify: boolean): Promise<WatchResponse> {
    this.service.bind(ref);
    return this.service.courtesy.watch(owner, notify);
  }
  breakLock(ref: LockRef, by: LockOwner, req: BreakRequest): Promise<Result<BreakResponse>> {
    this.service.bind(ref);
    return this.service.breakLock(by, req);
  }
  cancel(ref: LockRef, owner: LockOwner, requestId: string): Promise<CancelResponse> {
    this.service.bind(ref);
    return this.service.cancel(owner, requestId);
  }
  get(ref: LockRef): Promise<LockSummary> {
    this.service.bind(ref);
    return this.service.summary();
  }
  history(ref: LockRef, after: number, limit: number): LockHistoryResponse {
    this.service.bind(ref);
    return this.service.history(after, limit);
  }
  /** The latest `limit` entries of the lock's history, oldest first. */
  latestHistory(ref: LockRef, limit: number): LockHistoryEntry[] {
    this.service.bind(ref);
    return this.service.latestHistory(limit);
  }

  /**
   * The space says `userId` lost the right to lock (L13): their queued requests and lease end, and
   * their sockets on this lock close (4003), so that no grant is pushed to them.
   */
  async evict(ref: LockRef, userId: string, detail: string): Promise<void> {
    this.service.bind(ref);
    for (const ws of this.ctx.getWebSockets(`user:${userId}`)) {
      try {
        ws.close(4003, 'You no longer have access to this space.');
      } catch {
        // Already closed.
      }
    }
    await this.service.evict(userId, detail);
  }

  /** Upgrades to the lock's WebSocket; the Worker authorized the peer (routes/locks.ts). */
  override fetch(request: Request): Response {
    const peer = peerOf(request);
    const ref = v.safeParse(LockRefSchema, JSON.parse(request.headers.get(LOCK_REF_HEADER) ?? 'null'));
    if (!peer || !ref.success)
      return new Response('Expected an authorized WebSocket upgrade', { status: 426 });
    this.service.bind(ref.output);
    // The socket carries its lock, so that it works even if the object hibernates before any command.
    return acceptSocket(this.ctx, { ...peer, lock: ref.output });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const stored = peerOfSocket(ws);
    if (!stored?.lock) return ws.close(1011, 'socket without a peer');
    const ref = stored.lock;
    this.service.bind(ref);
    const peer = await freshPeer(stored, Date.now(), (userId, sessionId) =>
      spaceStub(this.env, ref.spaceId).socketPeerRole(userId, sessionId),
    );
    if (!peer) return ws.close(4003, 'You no longer have access to this space.');
    if (peer !== stored) ws.serializeAttachment(peer);
    const reply = await runLockCommand(this.service, peer, message);
    try {
      ws.send(JSON.stringify(reply));
    } catch {
      // The client went away; its close handler cleans up.
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const peer = peerOfSocket(ws);
    if (peer?.lock) {
      this.service.bind(peer.lock);
      await this.service.disconnect(peer.connId);
    }
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed');
    } catch {
      // Already closed.
    }
  }

  override async alarm(): Promise<void> {
    await this.service.onAlarm();
  }
}
