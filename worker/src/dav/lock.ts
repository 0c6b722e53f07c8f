import type { AcquireResponse, LockOwner } from '#shared/locks/schemas';
import { randomToken } from '../kernel/crypto';
import { ApiError } from '../http/api-error';
import { needRole, type DavContext, type OpenSpace } from './context';
import { describeLock } from './folder-locks';
import { lockFolder, refreshLock, webdavHolder } from './lock-folder';
import { leaseOf, lockStub, lockTokenOf } from './locks';
import { lockDiscovery } from './props';
import { readXml } from './read';
import { resolveTarget, type Target } from './target';
import { createEmptyFile } from './write';
import { DAV_NS, davChild } from './xml';

const XML = { 'content-type': 'application/xml; charset=utf-8' };

type Lockable = Exclude<Target, { kind: 'root' }>;

/**
 * LOCK (RFC 4918 §9.10): with a `DAV:lockinfo` body, a check-out of a file or a folder (exclusive
 * only: a check-out is for one person); without one, a refresh of the lock the If header names.
 */
export async function lock(c: DavContext, target: Target): Promise<Response> {
  if (target.kind === 'root') throw new ApiError('FORBIDDEN', 'Spaces are checked out folder by folder.');
  needRole(target.space, 'editor');
  const ttlMs = leaseOf(c.req.header('timeout'));
  const owner = { userId: c.var.principal.userId, username: c.var.principal.username };
  const root = await readXml(c);
  // A refresh: the If header names the lock (RFC 4918 §9.10.2).
  if (!root) return refreshLock(c, target, owner, ttlMs);
  if (root.ns !== DAV_NS || root.local !== 'lockinfo')
    throw new ApiError('BAD_REQUEST', 'Expected a DAV:lockinfo body.');
  if (davChild(root, 'lockscope') && !davChild(davChild(root, 'lockscope') ?? root, 'exclusive'))
    throw new ApiError('NOT_IMPLEMENTED', 'Only exclusive locks are offered: a check-out is for one person.');
  if (target.kind === 'folder') return lockFolder(c, target, owner, ttlMs);
  return lockItem(c, target, owner, ttlMs);
}

/** Checks out one file or note; a URL that names nothing becomes an empty file first (RFC 4918 §7.3). */
async function lockItem(
  c: DavContext,
  target: Exclude<Lockable, { kind: 'folder' }>,
  owner: LockOwner,
  ttlMs: number,
): Promise<Response> {
  const depth = c.req.header('depth') ?? '0';
  if (depth !== '0' && target.kind === 'item' && depth.toLowerCase() !== 'infinity')
    throw new ApiError('BAD_REQUEST', 'Depth must be 0 or infinity.');
  const { space } = target;
  const created = target.kind === 'missing';
  const itemId = created ? await emptyFileAt(c, target) : target.entry.id;
  const answer = await lockStub(c, space, itemId).acquire(
    { spaceId: space.spaceId, name: itemId },
    owner,
    { requestId: randomToken(), ttlMs, waitMs: 0 },
    'webdav',
  );
  if (answer.status !== 'granted') throw await checkedOut(space, answer);
  const token = await lockTokenOf(space.spaceId, itemId, answer.token);
  const href = new URL(c.req.url).pathname;
  return c.body(
    lockDiscovery(webdavHolder(owner, answer.token, answer.expiresAt), token, href, Date.now()),
    created ? 201 : 200,
    { ...XML, 'lock-token': `<${token}>` },
  );
}

/** Makes the empty file a LOCK on an unmapped URL locks; answers its item id. */
async function emptyFileAt(c: DavContext, target: Extract<Target, { kind: 'missing' }>): Promise<string> {
  await createEmptyFile(c, target);
  const made = await resolveTarget(c, target.segments);
  if (made.kind !== 'item') throw new ApiError('CONFLICT', 'The file could not be made.');
  return made.entry.id;
}

/** The 423 of a lock someone else holds, naming them (and the folder, when a folder check-out is in the way). */
async function checkedOut(
  space: OpenSpace,
  answer: Exclude<AcquireResponse, { status: 'granted' }>,
): Promise<ApiError> {
  const busy = answer.status === 'busy' ? answer : null;
  const who = busy ? busy.holder.username : 'someone else';
  const around = busy?.blockedBy ? await describeLock(space, busy.blockedBy) : null;
  return new ApiError(
    'LOCKED',
    around ? `This file is in ${around}, checked out by ${who}.` : `This item is checked out by ${who}.`,
  );
}
