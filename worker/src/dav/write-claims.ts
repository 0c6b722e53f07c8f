import type { LockClaim } from '#shared/sync/mutation';
import { ApiError } from '../http/api-error';
import type { DavEntry } from '../space/dav-entry';
import type { DavContext, OpenSpace } from './context';
import { folderTokens } from './folder-locks';
import { checkWriteLock, ifHolds, lockTokenOf, parseIf } from './locks';
import { etagOf } from './props';

/**
 * The lock tokens the request submits in `If`, after checking the header holds for the item (or,
 * with no item, for what is in `folder`): its own lock and the folder check-outs over it count.
 */
export async function submittedTokens(
  c: DavContext,
  space: OpenSpace,
  entry: DavEntry | null,
  folder: string,
): Promise<string[]> {
  const header = parseIf(c.req.header('if'));
  if (!header) return [];
  const lockTokens = await folderTokens(c, space, folder);
  if (entry) {
    const state = await space.stub.lockState(entry.id);
    if (state?.held) lockTokens.push(await lockTokenOf(space.spaceId, entry.id, state.token));
  }
  if (!ifHolds(header, { lockTokens, etag: entry ? etagOf(entry) : null })) {
    // A token of a lock someone else now holds is answered as locked, not as a failed condition.
    if (lockTokens.length > 0 && !lockTokens.some((token) => header.tokens.includes(token)))
      throw new ApiError('LOCKED', 'This item is checked out by someone else.');
    throw new ApiError('PRECONDITION_FAILED', 'The If header does not hold for this resource.');
  }
  return header.tokens;
}

/**
 * The claim an edit carries (S8): the item's own lock's when held, else the folder check-out's
 * (a new item has only that).
 */
export async function lockClaim(
  c: DavContext,
  space: OpenSpace,
  entry: DavEntry | null,
  tokens: string[],
  folderClaim: LockClaim | null,
): Promise<{ lock?: LockClaim }> {
  const fencing = entry ? await checkWriteLock(c, space, entry.id, tokens) : null;
  if (entry && fencing !== null) return { lock: { name: entry.id, token: fencing } };
  return folderClaim ? { lock: folderClaim } : {};
}
