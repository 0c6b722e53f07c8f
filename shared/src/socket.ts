import * as v from 'valibot';
import { LockEventMessageSchema } from './locks/schemas';
import { PokeMessageSchema } from './sync/protocol';

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

/**
 * Every message the server sends on a space's WebSocket, one union discriminated by `type`.
 * Areas add their message schema here (locks: `lock`; sync: `poke`). Clients parse with this
 * schema and ignore what fails to parse (a newer server may send types they do not know).
 */
export const SpaceSocketMessageSchema = v.variant('type', [
  HelloMessageSchema,
  LockEventMessageSchema,
  PokeMessageSchema,
]);
/** A server→client message on a space's WebSocket. */
export type SpaceSocketMessage = v.InferOutput<typeof SpaceSocketMessageSchema>;

/** The text a client may send to keep a space socket alive; the server answers {@link SOCKET_PONG} without waking. */
export const SOCKET_PING = 'ping';
/** The server's answer to {@link SOCKET_PING}. */
export const SOCKET_PONG = 'pong';
