import * as v from 'valibot';
import { RoleSchema } from '#shared/accounts/roles';

/*
 * The peer of a hibernating WebSocket, shared by the objects that hold sockets (the space's live
 * channel, a lock's own socket): how the Worker hands it over, how an object accepts and tags the
 * socket, and sending to many sockets at once.
 */

/**
 * Who is on the other end of a socket. The Worker authorizes the upgrade, then hands the peer
 * to the Durable Object in internal headers (only the Worker can reach an object's `fetch`);
 * the object keeps it as the socket's attachment, which survives hibernation.
 */
export const SocketPeerSchema = v.object({
  userId: v.string(),
  username: v.string(),
  sessionId: v.string(),
  role: RoleSchema,
  connId: v.string(),
  /** When the peer's access was last checked (at upgrade, then every {@link SOCKET_RECHECK_MS}). */
  checkedAt: v.optional(v.number(), 0),
  /** On a lock's own socket: which lock (the object may have hibernated before storing it). */
  lock: v.optional(v.object({ spaceId: v.string(), name: v.string() })),
});
/** The attachment of every hibernating socket. */
export type SocketPeer = v.InferOutput<typeof SocketPeerSchema>;

const PEER_HEADER = 'x-baton-peer';

/** How often a long-lived socket held outside the SpaceObject re-checks its peer's access. */
export const SOCKET_RECHECK_MS = 5_000;

/** A request to the object's `fetch` that upgrades to a socket for `peer`. Strips nothing: builds anew. */
export function upgradeRequest(url: string, peer: Omit<SocketPeer, 'connId' | 'checkedAt'>): Request {
  const connId = crypto.randomUUID();
  return new Request(url, {
    headers: {
      upgrade: 'websocket',
      [PEER_HEADER]: JSON.stringify({ ...peer, connId, checkedAt: Date.now() }),
    },
  });
}

/** The peer of an upgrade request made by {@link upgradeRequest}, or null. */
export function peerOf(request: Request): SocketPeer | null {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return null;
  try {
    const parsed = v.safeParse(SocketPeerSchema, JSON.parse(request.headers.get(PEER_HEADER) ?? 'null'));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

/** The peer stored on a socket, or null for a socket that has none (never expected). */
export function peerOfSocket(ws: WebSocket): SocketPeer | null {
  const parsed = v.safeParse(SocketPeerSchema, ws.deserializeAttachment());
  return parsed.success ? parsed.output : null;
}

/**
 * Accepts a hibernating WebSocket for `peer` on `ctx` (tagged by user and session, so that a
 * removed member's or revoked session's sockets can be found) and answers the 101.
 * https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
export function acceptSocket(ctx: DurableObjectState, peer: SocketPeer, hello?: string): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, [`user:${peer.userId}`, `session:${peer.sessionId}`, connTag(peer.connId)]);
  server.serializeAttachment(peer);
  if (hello !== undefined) server.send(hello);
  return new Response(null, { status: 101, webSocket: client });
}

/** The tag of one connection, to find its socket among the object's. */
export function connTag(connId: string): string {
  return `conn:${connId}`;
}

/** Sends `text` to each socket, skipping ones that are closing. Returns how many it reached. */
export function sendAll(sockets: Iterable<WebSocket>, text: string): number {
  let sent = 0;
  for (const ws of sockets) {
    try {
      ws.send(text);
      sent += 1;
    } catch {
      // Closed between listing and sending; its close handler cleans up.
    }
  }
  return sent;
}
