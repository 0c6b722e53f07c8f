import { LOCK_TTL_MAX_MS, LOCK_TTL_MIN_MS } from '#shared/locks/limits';
import type { LockSummary } from '#shared/locks/schemas';
import { sha256Hex } from '../kernel/crypto';
import { ApiError } from '../http/api-error';
import { lockStub as lockStubOf } from '../objects/stubs';
import type { DavContext, OpenSpace } from './context';

/**
 * WebDAV locks are Baton locks (docs/spec/webdav.md): a LOCK takes the Baton lock named by the
 * item's id, so the app's lock manager shows it and an owner's break ends it. The lock token
 * stands for the grant: a `urn:uuid:` whose first groups come from the space and item and whose
 * last group is the fencing token. A write must carry the current token of the current holder.
 */
export async function lockTokenOf(spaceId: string, itemId: string, fencingToken: number): Promise<string> {
  const h = await sha256Hex(`${spaceId}/${itemId}`);
  const t = fencingToken.toString(16).padStart(12, '0');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${t}`;
}

/** The fencing token a lock token carries, if it is one of this item's. */
export async function fencingTokenOf(
  spaceId: string,
  itemId: string,
  lockToken: string,
): Promise<number | null> {
  const match = /^urn:uuid:([0-9a-f-]{23})-([0-9a-f]{12})$/.exec(lockToken);
  if (!match) return null;
  const token = parseInt(match[2] ?? '', 16);
  if (!(token > 0)) return null;
  return (await lockTokenOf(spaceId, itemId, token)) === lockToken ? token : null;
}

/** The lease a `Timeout` header asks for, within the lock limits (`Infinite` is the longest). */
export function leaseOf(header: string | undefined): number {
  const DEFAULT = 600_000;
  if (!header) return DEFAULT;
  for (const part of header.split(',').map((p) => p.trim())) {
    if (/^infinite$/i.test(part)) return LOCK_TTL_MAX_MS;
    const match = /^Second-(\d{1,10})$/i.exec(part);
    if (match) return Math.min(LOCK_TTL_MAX_MS, Math.max(LOCK_TTL_MIN_MS, Number(match[1]) * 1000));
  }
  return DEFAULT;
}

/** One condition of an `If` header list (RFC 4918 §10.4). */
interface Condition {
  not: boolean;
  token?: string;
  etag?: string;
}

/** The parsed `If` header: lists (any may hold), each a set of conditions (all must hold). */
export interface IfHeader {
  lists: { resource: string | null; conditions: Condition[] }[];
  /** Every state token the header names: the tokens the client submits (RFC 4918 §10.4.1). */
  tokens: string[];
}

/** Parses an `If` header, or throws 400 for one that is malformed. */
export function parseIf(header: string | undefined): IfHeader | null {
  if (header === undefined) return null;
  const lists: IfHeader['lists'] = [];
  const tokens: string[] = [];
  let rest = header.trim();
  let resource: string | null = null;
  const bad = () => new ApiError('BAD_REQUEST', 'The If header is malformed.');
  while (rest !== '') {
    if (rest.startsWith('<')) {
      const end = rest.indexOf('>');
      if (end < 0) throw bad();
      resource = rest.slice(1, end);
      rest = rest.slice(end + 1).trim();
      continue;
    }
    if (!rest.startsWith('(')) throw bad();
    const end = rest.indexOf(')');
    if (end < 0) throw bad();
    let body = rest.slice(1, end).trim();
    rest = rest.slice(end + 1).trim();
    const conditions: Condition[] = [];
    while (body !== '') {
      let not = false;
      if (/^not\s/i.test(body)) {
        not = true;
        body = body.slice(3).trim();
      }
      const open = body[0];
      const close = open === '<' ? '>' : open === '[' ? ']' : null;
      if (!close) throw bad();
      const stop = body.indexOf(close);
      if (stop < 0) throw bad();
      const value = body.slice(1, stop);
      body = body.slice(stop + 1).trim();
      if (open === '<') {
        conditions.push({ not, token: value });
        tokens.push(value);
      } else conditions.push({ not, etag: value });
    }
    if (conditions.length === 0) throw bad();
    lists.push({ resource, conditions });
  }
  if (lists.length === 0) throw bad();
  return { lists, tokens };
}

/**
 * Whether the `If` header holds for a resource with these current lock tokens (its own lock's and
 * those of the folder check-outs covering it) and ETag. Tagged lists are evaluated against the
 * request's resource too (clients tag with the request URI).
 */
export function ifHolds(
  header: IfHeader,
  state: { lockTokens: readonly string[]; etag: string | null },
): boolean {
  return header.lists.some((list) =>
    list.conditions.every((cond) => {
      const matches =
        cond.token !== undefined
          ? state.lockTokens.includes(cond.token)
          : state.etag !== null && cond.etag === state.etag;
      return cond.not ? !matches : matches;
    }),
  );
}

/** The lock on an item now (from the space's fence: one RPC for all locks of the space). */
export function heldLock(
  locks: Map<string, LockSummary>,
  itemId: string,
  now: number,
): LockSummary['holder'] {
  const holder = locks.get(itemId)?.holder ?? null;
  return holder && (holder.expiresAt === null || holder.expiresAt > now) ? holder : null;
}

/** The LockObject of an item's lock. */
export function lockStub(c: DavContext, space: OpenSpace, itemId: string) {
  return lockStubOf(c.env, space.spaceId, itemId);
}

/**
 * Refuses a write to an item someone holds the lock on, unless the request submits that
 * lock's current token and the caller is its holder (`423 Locked`). A token whose lease ran out
 * and was granted again is not the current one, so the write is refused and nothing changes.
 * Answers the fencing token the write then carries into the change log (which checks it again).
 */
export async function checkWriteLock(
  c: DavContext,
  space: OpenSpace,
  itemId: string,
  submitted: readonly string[],
): Promise<number | null> {
  const state = await space.stub.lockState(itemId);
  if (!state?.held) return null;
  const current = await lockTokenOf(space.spaceId, itemId, state.token);
  if (submitted.includes(current) && state.holderUserId === c.var.principal.userId) return state.token;
  throw new ApiError(
    'LOCKED',
    state.holderUserId === c.var.principal.userId
      ? 'You have this item checked out elsewhere; send that check-out’s lock token.'
      : 'This item is checked out by someone else.',
  );
}
