import * as v from 'valibot';
import { LockEventMessageSchema } from './locks/schemas';
import { NoticeMessageSchema } from './notices/schemas';
import { ErrorBodySchema } from './errors';
import { PokeMessageSchema, PushRequestSchema, PushResponseSchema } from './sync/protocol';

/**
 * The first message on a space's WebSocket (`GET /api/spaces/:spaceId/socket`): the connection
 * is accepted and live events follow. A client that (re)connects should refresh what it shows,
 * since events sent while it was away are not replayed.
 */
export const HelloMessageSchema = v.object({
  type: v.literal('hello'),
  protocol: v.number(),
});
/** The greeting on a space's WebSocket. */
export type HelloMessage = v.InferOutput<typeof HelloMessageSchema>;

/** What a person is doing with an item: it is open on their screen, or they are typing in it. */
export const PRESENCE_STATE = { viewing: 'viewing', editing: 'editing' } as const;

/** One of {@link PRESENCE_STATE}. */
export type PresenceState = (typeof PRESENCE_STATE)[keyof typeof PRESENCE_STATE];

/**
 * Client→server on a space's WebSocket: which item this connection has open (null: none) and
 * whether its person is typing (S26). Sent on change and every {@link PRESENCE_REFRESH_MS};
 * never stored. Strict: anything else is ignored.
 */
export const PresenceUpdateSchema = v.strictObject({
  type: v.literal('presence'),
  itemId: v.nullable(v.pipe(v.string(), v.maxLength(100))),
  state: v.picklist([PRESENCE_STATE.viewing, PRESENCE_STATE.editing]),
});
/** A presence update from a client. */
export type PresenceUpdate = v.InferOutput<typeof PresenceUpdateSchema>;

/**
 * Server→client: another connection's presence, relayed to the other sockets of the space with
 * the name of its person (S26). `itemId` null: it closed the item or went away.
 */
export const PresenceMessageSchema = v.object({
  type: v.literal('presence'),
  connId: v.string(),
  username: v.string(),
  itemId: v.nullable(v.string()),
  state: v.picklist([PRESENCE_STATE.viewing, PRESENCE_STATE.editing]),
});
/** Another connection's presence. */
export type PresenceMessage = v.InferOutput<typeof PresenceMessageSchema>;

/** How often a client repeats its presence; one not heard of for {@link PRESENCE_EXPIRY_MS} is gone. */
export const PRESENCE_REFRESH_MS = 10_000;
/** How long a presence counts without being repeated. */
export const PRESENCE_EXPIRY_MS = 25_000;

/**
 * Client→server: a push sent over the space's socket instead of `POST …/sync/push` (S29), so a
 * live edit skips an HTTP request. Same request, same rules, same answer; `id` pairs the reply.
 */
export const SocketPushSchema = v.strictObject({
  type: v.literal('push'),
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  request: PushRequestSchema,
});
/** A push over the socket. */
export type SocketPush = v.InferOutput<typeof SocketPushSchema>;

/** The largest push a client sends over the socket (the runtime takes messages up to 1 MiB); bigger ones go over HTTP. */
export const SOCKET_PUSH_MAX_BYTES = 256 * 1024;

/** Server→client: the answer to the socket push `id`, exactly what the HTTP route answers. */
export const PushedMessageSchema = v.object({
  type: v.literal('pushed'),
  id: v.string(),
  response: PushResponseSchema,
});
/** Server→client: the socket push `id` was refused, with the error the HTTP route would send. */
export const PushFailedMessageSchema = v.object({
  type: v.literal('push-failed'),
  id: v.string(),
  status: v.number(),
  error: ErrorBodySchema,
});
/** The answer to a socket push. */
export type PushReplyMessage =
  v.InferOutput<typeof PushedMessageSchema> | v.InferOutput<typeof PushFailedMessageSchema>;

/**
 * Every message the server sends on a space's WebSocket, one union discriminated by `type`.
 * Areas add their message schema here (locks: `lock`; sync: `poke`). Clients parse with this
 * schema and ignore what fails to parse (a newer server may send types they do not know).
 */
export const SpaceSocketMessageSchema = v.variant('type', [
  HelloMessageSchema,
  LockEventMessageSchema,
  PokeMessageSchema,
  PresenceMessageSchema,
  PushedMessageSchema,
  PushFailedMessageSchema,
  NoticeMessageSchema,
]);
/** A server→client message on a space's WebSocket. */
export type SpaceSocketMessage = v.InferOutput<typeof SpaceSocketMessageSchema>;

/** The text a client may send to keep a space socket alive; the server answers {@link SOCKET_PONG} without waking. */
export const SOCKET_PING = 'ping';
/** The server's answer to {@link SOCKET_PING}. */
export const SOCKET_PONG = 'pong';
