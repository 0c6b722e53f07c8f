import * as v from 'valibot';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import type { ErrorCode } from '#shared/errors';
import { LockCommandSchema, type LockCommand, type LockReplyMessage } from '#shared/locks/schemas';
import type { Result } from '../kernel/result';
import { describeIssues } from '../http/validate';
import { SOCKET_RECHECK_MS, type SocketPeer } from '../http/socket-peer';
import type { LockService } from './lock-service';

function failure(id: number, code: ErrorCode, message: string): LockReplyMessage {
  return { type: 'reply', id, error: { code, message } };
}

function fromResult<T>(id: number, result: Result<T>): LockReplyMessage {
  return result.ok ? { type: 'reply', id, result: result.value } : failure(id, result.code, result.message);
}

/** A command's id, when the message has one, so that even a malformed command gets a paired reply. */
function idOf(json: unknown): number {
  return typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'number'
    ? json.id
    : -1;
}

/**
 * The socket's peer with its access re-checked if the last check is older than
 * {@link SOCKET_RECHECK_MS}: a removed member, a changed role or a revoked session takes effect on
 * a long-lived lock socket within that time. Null when the peer lost access.
 */
export async function freshPeer(
  peer: SocketPeer,
  now: number,
  lookup: (userId: string, sessionId: string) => Promise<Role | null>,
): Promise<SocketPeer | null> {
  if (now - peer.checkedAt < SOCKET_RECHECK_MS) return peer;
  const role = await lookup(peer.userId, peer.sessionId);
  return role === null ? null : { ...peer, role, checkedAt: now };
}

/**
 * Runs one command from a lock's WebSocket (strictly validated, editors only, like the HTTP
 * routes) and returns the reply. Each decision happens synchronously inside the service, so a
 * later message that runs while this one awaits the fence cannot reorder decisions.
 */
export async function runLockCommand(
  service: LockService,
  peer: SocketPeer,
  raw: string | ArrayBuffer,
): Promise<LockReplyMessage> {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  } catch {
    return failure(-1, 'BAD_REQUEST', 'A lock command must be JSON.');
  }
  const parsed = v.safeParse(LockCommandSchema, json);
  if (!parsed.success)
    return failure(
      idOf(json),
      'VALIDATION_FAILED',
      `Invalid lock command: ${describeIssues(parsed.issues)}.`,
    );
  const command = parsed.output;
  if (!roleAtLeast(peer.role, 'editor'))
    return failure(command.id, 'FORBIDDEN', 'Taking locks needs the editor role in this space.');
  try {
    return await run(service, peer, command);
  } catch (error) {
    console.error('lock command failed', error);
    return failure(
      command.id,
      'UNAVAILABLE',
      'The lock service could not finish that; retry (an acquire with the same request id).',
    );
  }
}

async function run(service: LockService, peer: SocketPeer, command: LockCommand): Promise<LockReplyMessage> {
  const owner = { userId: peer.userId, username: peer.username };
  switch (command.op) {
    case 'acquire': {
      const { requestId, kind, ttlMs, waitMs, seenSeq } = command;
      return {
        type: 'reply',
        id: command.id,
        result: await service.acquire(owner, { requestId, kind, ttlMs, waitMs, seenSeq }, peer.connId, 'app'),
      };
    }
    case 'renew':
      return fromResult(
        command.id,
        await service.renew(owner, { token: command.token, ttlMs: command.ttlMs }),
      );
    case 'release':
      return fromResult(command.id, await service.release(owner, command.token, command.comment));
    case 'cancel':
      return { type: 'reply', id: command.id, result: await service.cancel(owner, command.requestId) };
  }
}
