import * as v from 'valibot';
import { LOCK_TTL_MAX_MS, LOCK_TTL_MIN_MS, LOCK_WAIT_MAX_MS } from './limits';

// The terms of the lock protocol: ids, tokens, lengths of time, kinds and fronts.

/** A client-made id for one acquire; a retry carries the same id (rule L9). */
export const RequestIdSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'Request id must be 8–64 characters of A–Z, a–z, 0–9, _ or -'),
);

/** A fencing token: a positive integer that grows with every grant of a lock (rule L3). */
export const FencingTokenSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/** A lease length in milliseconds, bounded (rule L2). */
export const LeaseTtlSchema = v.pipe(
  v.number(),
  v.safeInteger(),
  v.minValue(LOCK_TTL_MIN_MS, `A lease must last at least ${LOCK_TTL_MIN_MS} ms`),
  v.maxValue(LOCK_TTL_MAX_MS, `A lease may last at most ${LOCK_TTL_MAX_MS} ms`),
);

/** How long an acquire may wait in the queue, in milliseconds; 0 means do not queue. */
export const WaitMsSchema = v.pipe(
  v.number(),
  v.safeInteger(),
  v.minValue(0),
  v.maxValue(LOCK_WAIT_MAX_MS, `A wait may last at most ${LOCK_WAIT_MAX_MS} ms`),
);

/**
 * The space's change number up to which the device has pulled (L32): a device whose copy of the
 * item is older is answered `behind` instead of a grant.
 */
export const SeenSeqSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * What a grant is: a `lease` that runs out unless renewed (L2, L6), or a `checkout` held until
 * its holder releases it or an owner breaks it, with no expiry and no renewal (L19).
 */
export const LOCK_KIND = { LEASE: 'lease', CHECKOUT: 'checkout' } as const;
/** One of {@link LOCK_KIND}. */
export type LockKind = (typeof LOCK_KIND)[keyof typeof LOCK_KIND];
/** The lock kinds as a schema. */
export const LockKindSchema = v.picklist(Object.values(LOCK_KIND));

/**
 * Which front took a grant (L20): the app (HTTP API and lock sockets), WebDAV or Git LFS. Set by
 * the server from the route the request came in on, never by the client.
 */
export const LOCK_VIA = { APP: 'app', WEBDAV: 'webdav', GIT_LFS: 'git-lfs' } as const;
/** One of {@link LOCK_VIA}. */
export type LockVia = (typeof LOCK_VIA)[keyof typeof LOCK_VIA];
/** The fronts as a schema. */
export const LockViaSchema = v.picklist(Object.values(LOCK_VIA));
