import { folderLockName, folderOfLock, isFolderLock } from '#shared/locks/folders';
import type { LockHolder, LockOwner } from '#shared/locks/schemas';
import { randomToken } from '../kernel/crypto';
import { ApiError } from '../http/api-error';
import { hrefOf, needRole, type DavContext } from './context';
import { coveringLocks, describeLock, lockNamedBy } from './folder-locks';
import { lockStub, lockTokenOf, parseIf } from './locks';
import { lockDiscovery } from './props';
import type { Target } from './target';

type FolderTarget = Extract<Target, { kind: 'folder' }>;
type LockableTarget = Extract<Target, { kind: 'folder' | 'item' }>;

const XML = { 'content-type': 'application/xml; charset=utf-8' };

/**
 * A depth-infinity LOCK on a collection (RFC 4918 §9.10.3): the check-out of the folder and
 * everything in it (L24), a lease like every WebDAV lock. Granted only when nothing inside it and
 * no folder above it is checked out (L21, L22); otherwise `423` naming who has what.
 */
export async function lockFolder(
  c: DavContext,
  target: FolderTarget,
  owner: LockOwner,
  ttlMs: number,
): Promise<Response> {
  if (target.path === '')
    throw new ApiError('FORBIDDEN', 'A whole space cannot be checked out; check out a folder in it.');
  if ((c.req.header('depth') ?? 'infinity').toLowerCase() !== 'infinity')
    throw new ApiError('FORBIDDEN', 'A folder is checked out with everything in it: send Depth: infinity.');
  const { space } = target;
  const name = folderLockName(target.path);
  const answer = await lockStub(c, space, name).acquire(
    { spaceId: space.spaceId, name },
    owner,
    { requestId: randomToken(), ttlMs, waitMs: 0 },
    'webdav',
  );
  if (answer.status !== 'granted') {
    const who = answer.status === 'busy' ? answer.holder.username : 'someone else';
    const what =
      answer.status === 'busy' && answer.blockedBy ? await describeLock(space, answer.blockedBy) : null;
    throw new ApiError(
      'LOCKED',
      what && answer.status === 'busy' && answer.blockedBy !== name
        ? `This folder cannot be checked out: ${what} is checked out by ${who}.`
        : `This folder is checked out by ${who}.`,
    );
  }
  const token = await lockTokenOf(space.spaceId, name, answer.token);
  const holder = webdavHolder(owner, answer.token, answer.expiresAt);
  return c.body(lockDiscovery(holder, token, hrefOf(target.segments, true), Date.now(), 'infinity'), 200, {
    ...XML,
    'lock-token': `<${token}>`,
  });
}

/**
 * A LOCK without a body refreshes the lock its `If` names (RFC 4918 §9.10.2): the resource's own,
 * or the check-out of a folder it is in (a refresh may be sent to any resource the lock covers).
 */
export async function refreshLock(
  c: DavContext,
  target: Target,
  owner: LockOwner,
  ttlMs: number,
): Promise<Response> {
  if (target.kind !== 'item' && target.kind !== 'folder')
    throw new ApiError('PRECONDITION_FAILED', 'There is no lock to refresh here.');
  const token = parseIf(c.req.header('if'))?.tokens[0];
  const named = token ? await lockNamedBy(target.space.spaceId, covering(target), token) : null;
  if (!token || !named)
    throw new ApiError('PRECONDITION_FAILED', 'Send the lock token to refresh in the If header.');
  const { space } = target;
  const renewed = await lockStub(c, space, named.name).renew(
    { spaceId: space.spaceId, name: named.name },
    owner,
    { token: named.fencing, ttlMs },
  );
  if (!renewed.ok) throw new ApiError('PRECONDITION_FAILED', 'That lock has ended; take a new one.');
  const holder = webdavHolder(owner, named.fencing, renewed.value.expiresAt);
  const folder = isFolderLock(named.name);
  const root = folder
    ? hrefOf([target.segments[0] ?? '', ...folderOfLock(named.name).split('/')], true)
    : new URL(c.req.url).pathname;
  return c.body(lockDiscovery(holder, token, root, Date.now(), folder ? 'infinity' : '0'), 200, XML);
}

/** UNLOCK (RFC 4918 §9.11): releases the lock the `Lock-Token` names, sent to any resource it covers. */
export async function unlock(c: DavContext, target: Target): Promise<Response> {
  if (target.kind !== 'item' && target.kind !== 'folder')
    throw new ApiError('CONFLICT', 'There is no lock here.');
  needRole(target.space, 'editor');
  const token = /^<(.+)>$/.exec(c.req.header('lock-token')?.trim() ?? '')?.[1];
  if (!token) throw new ApiError('BAD_REQUEST', 'UNLOCK needs a Lock-Token header.');
  const { space } = target;
  const named = await lockNamedBy(space.spaceId, covering(target), token);
  const owner = { userId: c.var.principal.userId, username: c.var.principal.username };
  const released = named
    ? await lockStub(c, space, named.name).release(
        { spaceId: space.spaceId, name: named.name },
        owner,
        named.fencing,
      )
    : null;
  if (!released?.ok) throw new ApiError('CONFLICT', 'That lock token does not name a lock on this resource.');
  return c.body(null, 204);
}

function covering(target: LockableTarget): string[] {
  return target.kind === 'item'
    ? coveringLocks(target.entry.folder, target.entry.id)
    : coveringLocks(target.path, null);
}

/** How a WebDAV lock's holder is shown in `lockdiscovery`. */
export function webdavHolder(owner: LockOwner, token: number, expiresAt: number | null): LockHolder {
  return { ...owner, token, kind: 'lease', via: 'webdav', grantedAt: Date.now(), expiresAt };
}
