import { folderLocksOver, isFolderLock } from '#shared/locks/folders';
import * as v from 'valibot';
import { ItemStateSchema } from '#shared/sync/item';
import type { LockHolder, LockSummary } from '#shared/locks/schemas';
import type { LockClaim } from '#shared/sync/mutation';
import { ApiError } from '../http/api-error';
import type { FolderLocksAround, HeldFolderLock } from '../space/folder-locks';
import type { DavContext, OpenSpace } from './context';
import { fencingTokenOf, lockTokenOf } from './locks';

/**
 * Folder check-outs on the WebDAV front (L24, D5–D6): a depth-infinity LOCK on a collection is the
 * Baton lock `folder/`, and a write anywhere inside a checked-out folder needs that lock's token in
 * `If`, sent by its holder, exactly like a write to a locked file.
 */

const asked = new WeakMap<Request, Map<string, Promise<FolderLocksAround>>>();

/** The folder check-outs held around `folder`, asked of the space once per request and folder. */
export function folderLocksOf(c: DavContext, space: OpenSpace, folder: string): Promise<FolderLocksAround> {
  let byFolder = asked.get(c.req.raw);
  if (!byFolder) asked.set(c.req.raw, (byFolder = new Map<string, Promise<FolderLocksAround>>()));
  let found = byFolder.get(folder);
  if (!found) byFolder.set(folder, (found = space.stub.folderLocks(folder)));
  return found;
}

/** The lock tokens of the folder check-outs that cover something stored in `folder` (for `If`). */
export async function folderTokens(c: DavContext, space: OpenSpace, folder: string): Promise<string[]> {
  const { over } = await folderLocksOf(c, space, folder);
  return Promise.all(over.map((lock) => lockTokenOf(space.spaceId, lock.name, lock.token)));
}

/**
 * Refuses a write in `folder` (`423 Locked`) unless the caller holds every folder check-out over it
 * and submits their tokens. Answers the claim the write carries into the change log (the folder's
 * check-out: at most one is held over a place, L21), or null when no folder above is checked out.
 */
export async function checkFolderWrite(
  c: DavContext,
  space: OpenSpace,
  folder: string,
  submitted: readonly string[],
): Promise<LockClaim | null> {
  return claimOf(c, space, (await folderLocksOf(c, space, folder)).over, submitted);
}

/** {@link checkFolderWrite} for a move or delete of the whole folder: check-outs inside it count too. */
export async function checkFolderTreeWrite(
  c: DavContext,
  space: OpenSpace,
  folder: string,
  submitted: readonly string[],
): Promise<LockClaim | null> {
  const { over, under } = await folderLocksOf(c, space, folder);
  return claimOf(c, space, [...over, ...under], submitted);
}

async function claimOf(
  c: DavContext,
  space: OpenSpace,
  locks: readonly HeldFolderLock[],
  submitted: readonly string[],
): Promise<LockClaim | null> {
  let claim: LockClaim | null = null;
  for (const lock of locks) {
    const token = await lockTokenOf(space.spaceId, lock.name, lock.token);
    const mine = lock.holderUserId === c.var.principal.userId;
    if (!mine || !submitted.includes(token)) {
      throw new ApiError(
        'LOCKED',
        mine
          ? `You have the folder “${lock.name}” checked out; send that check-out’s lock token.`
          : `The folder “${lock.name}” is checked out by ${lock.holderName ?? 'someone else'}.`,
      );
    }
    claim ??= { name: lock.name, token: lock.token };
  }
  return claim;
}

/**
 * The lock a submitted lock token names among the locks that cover a resource: its own (an item's
 * id) and its folders' check-outs. A refresh or UNLOCK may name a folder's lock from inside it
 * (RFC 4918 §9.10.2, §9.11).
 */
export async function lockNamedBy(
  spaceId: string,
  covering: readonly string[],
  token: string,
): Promise<{ name: string; fencing: number } | null> {
  for (const name of covering) {
    const fencing = await fencingTokenOf(spaceId, name, token);
    if (fencing !== null) return { name, fencing };
  }
  return null;
}

/** The locks that cover an item (`itemId` in `folder`) or a folder (`itemId` null), innermost first. */
export function coveringLocks(folder: string, itemId: string | null): string[] {
  const folders = folderLocksOver(folder).reverse();
  return itemId === null ? folders : [itemId, ...folders];
}

/**
 * The folder check-out covering something in `folder`, from the space's lock list (at most one is
 * held over any place, L21), for `lockdiscovery`; null when none is.
 */
export function folderLockOver(
  locks: ReadonlyMap<string, LockSummary>,
  folder: string,
  now: number,
): { name: string; holder: LockHolder } | null {
  for (const name of folderLocksOver(folder)) {
    const holder = locks.get(name)?.holder;
    if (holder && (holder.expiresAt === null || holder.expiresAt > now)) return { name, holder };
  }
  return null;
}

/** How a lock in the way is named to a person: a folder by its path, an item by its name. */
export async function describeLock(space: OpenSpace, name: string): Promise<string> {
  if (isFolderLock(name)) return `the folder “${name}”`;
  const json = await space.stub.davItem(name);
  if (json === null) return `“${name}”`;
  const { fields } = v.parse(ItemStateSchema, JSON.parse(json));
  const title = fields.name?.v ?? fields.title?.v;
  return typeof title === 'string' && title !== '' ? `“${title}”` : 'an item';
}
