import * as v from 'valibot';
import {
  PresenceUpdateSchema,
  SOCKET_PING,
  SOCKET_PONG,
  type PresenceState,
  type SpaceSocketMessage,
} from '#shared/socket';
import { PROTOCOL_VERSION } from '#shared/version';
import { acceptSocket, peerOf, peerOfSocket, sendAll, type SocketPeer } from '../http/socket-peer';
import { isSocketPush } from './socket-push';

/**
 * Schema step for the hub: sessions whose sockets were closed (signed out or revoked), so that
 * sockets held by other objects (a lock's own socket) can learn of it when they re-check.
 */
export const HUB_SCHEMA_STEP =
  'CREATE TABLE socket_revocations (session_id TEXT PRIMARY KEY, at INTEGER NOT NULL)';

/**
 * The space's live channel (held by the SpaceObject): members connect once and get every
 * server→client message of {@link SpaceSocketMessage} (lock events, sync pokes, …).
 */
export class SpaceHub {
  constructor(
    private readonly ctx: DurableObjectState,
    /** Answers a push sent over the socket (S29); the hub only routes it. */
    private readonly onPush: (ws: WebSocket, peer: SocketPeer, message: string) => Promise<void> = () =>
      Promise.resolve(),
  ) {
    // Keep-alive pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(SOCKET_PING, SOCKET_PONG));
  }

  /** Answers an upgrade request made by `upgradeRequest` (http/socket-peer.ts). */
  accept(request: Request): Response {
    const peer = peerOf(request);
    if (!peer) return new Response('Expected an authorized WebSocket upgrade', { status: 426 });
    const hello: SpaceSocketMessage = { type: 'hello', protocol: PROTOCOL_VERSION };
    return acceptSocket(this.ctx, peer, JSON.stringify(hello));
  }

  /** Sends `message` to every member connected to the space. Returns how many sockets it reached. */
  broadcast(message: SpaceSocketMessage): number {
    return sendAll(this.ctx.getWebSockets(), JSON.stringify(message));
  }

  /** Sends a message already serialised as JSON (a poke carrying a page spliced from storage). */
  broadcastText(json: string): number {
    return sendAll(this.ctx.getWebSockets(), json);
  }

  /** Closes the sockets of a user (removed from the space) or of a session (revoked, remembered). */
  close(target: { userId: string } | { sessionId: string }, reason: string): number {
    if ('sessionId' in target) {
      this.ctx.storage.sql.exec(
        'INSERT OR REPLACE INTO socket_revocations (session_id, at) VALUES (?, ?)',
        target.sessionId,
        Date.now(),
      );
    }
    const tag = 'userId' in target ? `user:${target.userId}` : `session:${target.sessionId}`;
    const sockets = this.ctx.getWebSockets(tag);
    for (const ws of sockets) ws.close(4003, reason);
    return sockets.length;
  }

  /** Whether the sockets of `sessionId` were closed for good (signed out or revoked). */
  revoked(sessionId: string): boolean {
    return (
      this.ctx.storage.sql.exec('SELECT 1 FROM socket_revocations WHERE session_id = ?', sessionId).toArray()
        .length > 0
    );
  }

  /** How many sockets are open. */
  count(): number {
    return this.ctx.getWebSockets().length;
  }

  /**
   * Clients send pings (answered by the runtime), pushes (S29, answered by `onPush`) and presence
   * (S26), which is relayed to the space's other sockets with the sender's name and never stored;
   * anything else is ignored.
   */
  onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> | undefined {
    if (typeof message === 'string' && isSocketPush(message)) {
      const peer = peerOfSocket(ws);
      return peer ? this.onPush(ws, peer, message) : undefined;
    }
    if (typeof message !== 'string' || message.length > 1000) return;
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return;
    }
    const parsed = v.safeParse(PresenceUpdateSchema, json);
    const peer = peerOfSocket(ws);
    if (!parsed.success || !peer) return;
    this.relayPresence(ws, peer, parsed.output.itemId, parsed.output.state);
  }

  private relayPresence(
    from: WebSocket,
    peer: SocketPeer,
    itemId: string | null,
    state: PresenceState,
  ): void {
    const message: SpaceSocketMessage = {
      type: 'presence',
      connId: peer.connId,
      username: peer.username,
      itemId,
      state,
    };
    sendAll(
      this.ctx.getWebSockets().filter((ws) => ws !== from),
      JSON.stringify(message),
    );
  }

  /** Completes the closing handshake; the others learn the connection is gone (S26). */
  onClose(ws: WebSocket, code: number, reason: string): void {
    const peer = peerOfSocket(ws);
    if (peer) this.relayPresence(ws, peer, null, 'viewing');
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }
}
