import { roleAtLeast } from '#shared/accounts/roles';
import { parseLfsLockId, toLfsLock, type LfsLock } from '#shared/locks/lfs';
import { LockNameSchema } from '#shared/locks/name';
import type { LockSummary } from '#shared/locks/schemas';
import { LFS_LOCKS_PAGE_MAX } from '#shared/lfs/protocol';
import { randomToken } from '../kernel/crypto';
import { lockStub, spaceStub } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { parseWith } from '../http/validate';
import type { LfsCaller } from './respond';

/**
 * The Git LFS locking API over Baton's locks (G6–G9): an LFS lock is a checkout (L19) of the
 * file's path taken with `via: git-lfs` (L20), so the app sees it live, its history and CSV
 * record it, and a lock taken in the app on the same path is a lock for git too.
 */

function lockOf(env: Env, spaceId: string, path: string) {
  const name = parseWith(LockNameSchema, path, 'path');
  const ref = { spaceId, name };
  return { ref, stub: lockStub(env, spaceId, name) };
}

function requireEditor(caller: LfsCaller, what: string): void {
  if (!roleAtLeast(caller.role, 'editor'))
    throw new ApiError(
      'FORBIDDEN',
      `${caller.username} can only read “${caller.spaceName}”: ${what} needs the editor role.`,
    );
}

const ownerOf = (caller: LfsCaller) => ({ userId: caller.userId, username: caller.username });

/** `POST /locks`: 201 with the new lock, or 409 with the lock that holds the path (G6). */
export async function createLock(
  env: Env,
  caller: LfsCaller,
  path: string,
): Promise<{ status: 201 | 409; body: { lock: LfsLock | null; message?: string } }> {
  requireEditor(caller, 'locking files');
  const { ref, stub } = lockOf(env, caller.spaceId, path);
  const answer = await stub.acquire(
    ref,
    ownerOf(caller),
    { requestId: `lfs-${randomToken(12)}`, kind: 'checkout' },
    'git-lfs',
  );
  if (answer.status === 'busy' && answer.blockedBy) {
    // A folder checked out around the path (L21): git is shown that check-out.
    const around = lockOf(env, caller.spaceId, answer.blockedBy);
    const holder = answer.holder.userId === caller.userId ? 'you' : answer.holder.username;
    return {
      status: 409,
      body: {
        lock: toLfsLock(await around.stub.get(around.ref)),
        message: `${ref.name} is in the folder ${answer.blockedBy}, checked out by ${holder}.`,
      },
    };
  }
  const summary = await stub.get(ref);
  const lock = toLfsLock(summary);
  if (answer.status === 'granted' && summary.holder?.token === answer.token)
    return { status: 201, body: { lock } };
  const holder = summary.holder?.userId === caller.userId ? 'you' : (summary.holder?.username ?? 'someone');
  return { status: 409, body: { lock, message: `${ref.name} is already locked by ${holder}.` } };
}

/**
 * Held locks of the space, by path, as LFS locks. The space's list names every held lock (a grant
 * is fenced before it is answered, L11), but may still show one released a moment ago (ends are
 * reported without waiting), so each is confirmed with its own object: right after
 * `git lfs unlock`, `git lfs locks` no longer lists it.
 */
async function heldLocks(env: Env, spaceId: string): Promise<{ lock: LfsLock; summary: LockSummary }[]> {
  const listed = (await spaceStub(env, spaceId).listLocks()).filter((summary) => summary.holder);
  const current = await Promise.all(
    listed.map(({ name }) => lockOf(env, spaceId, name).stub.get({ spaceId, name })),
  );
  const out: { lock: LfsLock; summary: LockSummary }[] = [];
  for (const summary of current) {
    const lock = toLfsLock(summary);
    if (lock) out.push({ lock, summary });
  }
  return out.sort((a, b) => (a.lock.path < b.lock.path ? -1 : a.lock.path > b.lock.path ? 1 : 0));
}

/** One page from `cursor` (the path of its first lock), at most `limit` long. */
function page<T extends { lock: LfsLock }>(all: T[], cursor: string | undefined, limit: number | undefined) {
  const size = Math.min(limit ?? LFS_LOCKS_PAGE_MAX, LFS_LOCKS_PAGE_MAX);
  const start = cursor === undefined ? 0 : all.findIndex((entry) => entry.lock.path >= cursor);
  const from = start < 0 ? all.length : start;
  const items = all.slice(from, from + size);
  const next = all[from + size];
  return { items, next_cursor: next ? next.lock.path : undefined };
}

/** `GET /locks?path=&id=&cursor=&limit=&refspec=` (G7). Locks are per space, not per branch: `refspec` narrows nothing. */
export async function listLocks(
  env: Env,
  caller: LfsCaller,
  query: { path?: string; id?: string; cursor?: string; limit?: number },
): Promise<{ locks: LfsLock[]; next_cursor?: string }> {
  const all = (await heldLocks(env, caller.spaceId)).filter(
    ({ lock }) =>
      (query.path === undefined || lock.path === query.path) &&
      (query.id === undefined || lock.id === query.id),
  );
  const { items, next_cursor } = page(all, query.cursor, query.limit);
  return { locks: items.map((entry) => entry.lock), ...(next_cursor ? { next_cursor } : {}) };
}

/** `POST /locks/verify`: the caller's locks and everyone else's, so that the client refuses a push (G8). */
export async function verifyLocks(
  env: Env,
  caller: LfsCaller,
  body: { cursor?: string; limit?: number },
): Promise<{ ours: LfsLock[]; theirs: LfsLock[]; next_cursor?: string }> {
  requireEditor(caller, 'pushing');
  const { items, next_cursor } = page(await heldLocks(env, caller.spaceId), body.cursor, body.limit);
  const mine = (entry: { summary: LockSummary }) => entry.summary.holder?.userId === caller.userId;
  return {
    ours: items.filter(mine).map((entry) => entry.lock),
    theirs: items.filter((entry) => !mine(entry)).map((entry) => entry.lock),
    ...(next_cursor ? { next_cursor } : {}),
  };
}

/**
 * `POST /locks/:id/unlock { force }` (G9): the holder releases; anyone else needs `force` and the
 * owner role, and then breaks it (recorded as a break, L8). An id names one grant, so an unlock
 * of an earlier grant cannot end a later one.
 */
export async function unlock(
  env: Env,
  caller: LfsCaller,
  id: string,
  force: boolean,
): Promise<{ lock: LfsLock }> {
  requireEditor(caller, 'unlocking files');
  const named = parseLfsLockId(id);
  if (!named) throw new ApiError('NOT_FOUND', 'No lock has that id.');
  const { ref, stub } = lockOf(env, caller.spaceId, named.path);
  const summary = await stub.get(ref);
  const lock = toLfsLock(summary);
  if (!lock || summary.holder?.token !== named.token)
    throw new ApiError('NOT_FOUND', `${named.path} is no longer locked under that id.`);
  const holder = summary.holder;
  if (holder.userId === caller.userId) {
    const released = await stub.release(ref, ownerOf(caller), holder.token);
    if (!released.ok) throw new ApiError('NOT_FOUND', `${named.path} is no longer locked under that id.`);
    return { lock };
  }
  if (!force)
    throw new ApiError(
      'FORBIDDEN',
      `${named.path} is locked by ${holder.username}; only they, or an owner with --force, can unlock it.`,
    );
  if (!roleAtLeast(caller.role, 'owner'))
    throw new ApiError(
      'FORBIDDEN',
      `Only owners of “${caller.spaceName}” can force-unlock ${holder.username}’s lock on ${named.path}.`,
    );
  const broken = await stub.breakLock(ref, ownerOf(caller), { reason: 'git lfs unlock --force' });
  if (!broken.ok) throw new ApiError('NOT_FOUND', `${named.path} is no longer locked under that id.`);
  return { lock };
}
