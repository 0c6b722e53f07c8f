import * as v from 'valibot';
import { ERROR_STATUS, type ErrorCode } from '#shared/errors';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import { SocketPushSchema, type PushReplyMessage } from '#shared/socket';
import { batchProblem, type PushResponse } from '#shared/sync/protocol';
import type { Mutation } from '#shared/sync/mutation';
import { SPACE_NOT_FOUND_MESSAGE } from './membership';
import { describeIssues } from '../http/validate';

/** What a push over the socket needs from its SpaceObject: the same path as `POST …/sync/push`. */
export interface SocketPushDeps {
  /** The sender's role now (membership and session re-read), or null when they lost access. */
  roleOf(userId: string, sessionId: string): Role | null;
  push(mutations: Mutation[], userId: string): Promise<PushResponse>;
  /** The push size bound of the HTTP route (MAX_PUSH_BYTES). */
  maxBytes: number;
}

/** Whether a socket message is a push (cheap: pushes are told apart before any parsing). */
export function isSocketPush(message: string): boolean {
  return message.startsWith('{"type":"push"');
}

/**
 * Answers one push sent over the space's socket (S29): the HTTP route's checks in the same order
 * (size, JSON, schema, role, batch rules), then the one push path of the SpaceObject. Refusals
 * are answered on the socket with the route's code and status; nothing is stored for them and
 * the socket stays open.
 */
export async function answerSocketPush(
  message: string,
  peer: { userId: string; sessionId: string },
  deps: SocketPushDeps,
): Promise<PushReplyMessage> {
  const id = /^\{"type":"push","id":"([^"\\]{1,64})"/.exec(message)?.[1] ?? '';
  const fail = (code: ErrorCode, text: string, details?: unknown): PushReplyMessage => ({
    type: 'push-failed',
    id,
    status: ERROR_STATUS[code],
    error: details === undefined ? { code, message: text } : { code, message: text, details },
  });
  if (new TextEncoder().encode(message).byteLength > deps.maxBytes) {
    return fail('PAYLOAD_TOO_LARGE', `The push is larger than ${deps.maxBytes} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return fail('BAD_REQUEST', 'The push is not valid JSON.');
  }
  const parsed = v.safeParse(SocketPushSchema, json);
  if (!parsed.success) return fail('VALIDATION_FAILED', `Invalid push: ${describeIssues(parsed.issues)}.`);
  const role = deps.roleOf(peer.userId, peer.sessionId);
  if (!role) return fail('NOT_FOUND', SPACE_NOT_FOUND_MESSAGE);
  if (!roleAtLeast(role, 'editor')) {
    return fail('FORBIDDEN', `This needs the editor role in this space; you are a ${role}.`);
  }
  const now = Date.now();
  const problem = batchProblem(parsed.output.request, now);
  if (problem) return fail(problem.code, problem.message, { serverTime: now });
  const response = await deps.push(parsed.output.request.mutations, peer.userId);
  return { type: 'pushed', id: parsed.output.id, response };
}

/** Answers a socket push on the socket it came on (a socket closed meanwhile gets nothing: the client retries). */
export async function replyToSocketPush(
  ws: WebSocket,
  message: string,
  peer: { userId: string; sessionId: string },
  deps: SocketPushDeps,
): Promise<void> {
  const reply = await answerSocketPush(message, peer, deps);
  try {
    ws.send(JSON.stringify(reply));
  } catch {
    // Closed; the push is idempotent by mutation id (S3), so the client's retry is safe.
  }
}
