import * as v from 'valibot';
import { ErrorBodySchema } from '../errors';
import { LOCK_TTL_MAX_MS, LOCK_TTL_MIN_MS, LOCK_WAIT_MAX_MS } from './limits';
import { LockNameSchema } from './name';

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

// ---- requests (parsed strictly by the server) ----

/** `POST …/locks/:name/acquire`; `kind` defaults to `lease`, and a checkout ignores `ttlMs` (L19). */
export const AcquireRequestSchema = v.strictObject({
  requestId: RequestIdSchema,
  kind: v.optional(LockKindSchema),
  ttlMs: v.optional(LeaseTtlSchema),
  waitMs: v.optional(WaitMsSchema),
  seenSeq: v.optional(SeenSeqSchema),
});
/** Body of an acquire. */
export type AcquireRequest = v.InferOutput<typeof AcquireRequestSchema>;

/** `POST …/locks/:name/renew` */
export const RenewRequestSchema = v.strictObject({
  token: FencingTokenSchema,
  ttlMs: v.optional(LeaseTtlSchema),
});
/** Body of a renew. */
export type RenewRequest = v.InferOutput<typeof RenewRequestSchema>;

/** `POST …/locks/:name/release`; `comment` is the check-in comment kept in the history (L30). */
export const ReleaseRequestSchema = v.strictObject({
  token: FencingTokenSchema,
  comment: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500))),
});
/** Body of a release. */
export type ReleaseRequest = v.InferOutput<typeof ReleaseRequestSchema>;

/** `POST …/locks/:name/cancel`: leave the queue. */
export const CancelRequestSchema = v.strictObject({ requestId: RequestIdSchema });
/** Body of a cancel. */
export type CancelRequest = v.InferOutput<typeof CancelRequestSchema>;

/** `POST …/locks/:name/break` (owners only, rule L8). */
export const BreakRequestSchema = v.strictObject({
  reason: v.optional(v.pipe(v.string(), v.maxLength(200))),
});
/** Body of a break. */
export type BreakRequest = v.InferOutput<typeof BreakRequestSchema>;

// ---- records and responses (parsed leniently by clients) ----

/** Who holds or asked for a lock. */
export const LockOwnerSchema = v.object({ userId: v.string(), username: v.string() });
/** A user as seen by the lock service. */
export type LockOwner = v.InferOutput<typeof LockOwnerSchema>;

/**
 * The current grant of a held lock. `grantedAt` is the Git LFS `locked_at`; `expiresAt` is null
 * for a checkout (L19). `kind` and `via` default for records written before they existed.
 */
export const LockHolderSchema = v.object({
  userId: v.string(),
  username: v.string(),
  token: v.number(),
  kind: v.optional(LockKindSchema, 'lease'),
  via: v.optional(LockViaSchema, 'app'),
  grantedAt: v.number(),
  expiresAt: v.nullable(v.number()),
});
/** The public view of a lease (no request id). */
export type LockHolder = v.InferOutput<typeof LockHolderSchema>;

/** One lock: its holder (if any), the last token it issued and its queue length. */
export const LockSummarySchema = v.object({
  name: v.string(),
  holder: v.nullable(LockHolderSchema),
  lastToken: v.number(),
  queueLength: v.number(),
  /** Who waits, in line order (the first `LOCK_WAITERS_SHOWN`), so the holder can see them (L17). */
  waiters: v.optional(v.array(v.object({ userId: v.string(), username: v.string() }))),
  /** Who asked the holder to release, and whether the holder answered (L26). */
  asks: v.optional(
    v.array(v.object({ userId: v.string(), username: v.string(), at: v.number(), answered: v.boolean() })),
  ),
  /** The space's last sign of the holder's activity on what the lock guards (a fenced write), if any (L31). */
  activeAt: v.optional(v.number()),
  /** Grows with every change; a client keeps the summary with the highest `rev`. */
  rev: v.number(),
});
/** One lock's state. */
export type LockSummary = v.InferOutput<typeof LockSummarySchema>;

/** `GET …/locks` */
export const LockListResponseSchema = v.object({
  locks: v.array(LockSummarySchema),
  /** The space's rule: a checkout without activity for this many days is stale (L31). */
  staleAfterDays: v.optional(v.number()),
});
/** Body of the lock list. */
export type LockListResponse = v.InferOutput<typeof LockListResponseSchema>;

/** The answer to an acquire (rule L2): granted, busy, queued, or — for a retried request whose grant already ended — ended. */
export const AcquireResponseSchema = v.variant('status', [
  v.object({
    status: v.literal('granted'),
    name: v.string(),
    requestId: v.string(),
    token: v.number(),
    /** Null for a checkout (L19). */
    expiresAt: v.nullable(v.number()),
    /** The item's version (the space's change number of its latest change) it was taken on (L32). */
    version: v.optional(v.number()),
  }),
  /** L32: the device's copy of the item is `changes` behind; sync up to `version`, then ask again. */
  v.object({ status: v.literal('behind'), name: v.string(), changes: v.number(), version: v.number() }),
  v.object({
    status: v.literal('busy'),
    name: v.string(),
    holder: LockHolderSchema,
    expiresAt: v.nullable(v.number()),
    /**
     * When another lock is in the way (a folder check-out above this item, or a check-out inside
     * this folder, L21–L23): its name; `holder` is then that lock's holder.
     */
    blockedBy: v.optional(v.string()),
  }),
  v.object({ status: v.literal('queued'), name: v.string(), requestId: v.string(), position: v.number() }),
  v.object({ status: v.literal('ended'), name: v.string(), requestId: v.string(), token: v.number() }),
]);
/** Body of an acquire answer. */
export type AcquireResponse = v.InferOutput<typeof AcquireResponseSchema>;

/** The answer to a successful renew; a checkout answers `expiresAt: null` (L19). */
export const RenewResponseSchema = v.object({
  status: v.literal('renewed'),
  token: v.number(),
  expiresAt: v.nullable(v.number()),
});
/** Body of a renew answer. */
export type RenewResponse = v.InferOutput<typeof RenewResponseSchema>;

/** The answer to a successful release. */
export const ReleaseResponseSchema = v.object({ status: v.literal('released'), token: v.number() });
/** Body of a release answer. */
export type ReleaseResponse = v.InferOutput<typeof ReleaseResponseSchema>;

/** The answer to a successful break. */
export const BreakResponseSchema = v.object({
  status: v.literal('broken'),
  token: v.number(),
  holder: LockHolderSchema,
});
/** Body of a break answer. */
export type BreakResponse = v.InferOutput<typeof BreakResponseSchema>;

/** The answer to a cancel: whether the request was still waiting. */
export const CancelResponseSchema = v.object({ status: v.picklist(['cancelled', 'not_queued']) });
/** Body of a cancel answer. */
export type CancelResponse = v.InferOutput<typeof CancelResponseSchema>;

/** Kinds of lock history entries and live events (rule L10). */
export const LOCK_EVENT_KIND = {
  GRANTED: 'granted',
  RENEWED: 'renewed',
  RELEASED: 'released',
  EXPIRED: 'expired',
  BROKEN: 'broken',
  QUEUED: 'queued',
  LEFT_QUEUE: 'left_queue',
  /** Someone asked the holder to release (L26); the detail is their message. */
  ASKED: 'asked',
  /** The holder answered an ask (L26): "5 more minutes". */
  ANSWERED: 'answered',
} as const;
/** One of {@link LOCK_EVENT_KIND}. */
export type LockEventKind = (typeof LOCK_EVENT_KIND)[keyof typeof LOCK_EVENT_KIND];

/** The event kinds as a schema. */
export const LockEventKindSchema = v.picklist(Object.values(LOCK_EVENT_KIND));

/** One line of a lock's history (rule L10). `actor` is who caused it (the breaker for a break). */
export const LockHistoryEntrySchema = v.object({
  seq: v.number(),
  at: v.number(),
  kind: LockEventKindSchema,
  token: v.nullable(v.number()),
  requestId: v.nullable(v.string()),
  userId: v.nullable(v.string()),
  username: v.nullable(v.string()),
  /** The front of the grant or request concerned (L20); null in entries written before it existed. */
  via: v.optional(v.nullable(LockViaSchema), null),
  detail: v.string(),
});
/** A history entry. */
export type LockHistoryEntry = v.InferOutput<typeof LockHistoryEntrySchema>;

/** `GET …/locks/:name/history` */
export const LockHistoryResponseSchema = v.object({
  name: v.string(),
  entries: v.array(LockHistoryEntrySchema),
  /** Pass as `after` to read the next page; null at the end. */
  next: v.nullable(v.number()),
});
/** Body of a history page. */
export type LockHistoryResponse = v.InferOutput<typeof LockHistoryResponseSchema>;

/** A history entry with the name of its lock, for the space-wide history. */
export const SpaceLockHistoryEntrySchema = v.object({ ...LockHistoryEntrySchema.entries, lock: v.string() });
/** A space history entry. */
export type SpaceLockHistoryEntry = v.InferOutput<typeof SpaceLockHistoryEntrySchema>;

/** `GET /api/spaces/:spaceId/locks-history`: the latest entries of every lock, oldest first. */
export const SpaceLockHistoryResponseSchema = v.object({
  entries: v.array(SpaceLockHistoryEntrySchema),
  /** Entries kept per lock (the latest ones). */
  perLock: v.number(),
  /** Names of the locks that had more entries than `perLock` (their older ones are left out). */
  truncated: v.array(v.string()),
});
/** Body of the space history. */
export type SpaceLockHistoryResponse = v.InferOutput<typeof SpaceLockHistoryResponseSchema>;

/**
 * A live lock event, on the space's WebSocket and on a lock's own WebSocket: what happened, to
 * whose request, and the lock's state after it.
 */
export const LockEventMessageSchema = v.object({
  type: v.literal('lock'),
  kind: LockEventKindSchema,
  at: v.number(),
  requestId: v.nullable(v.string()),
  token: v.nullable(v.number()),
  /** The front of the grant or request concerned (L20). */
  via: v.optional(v.nullable(LockViaSchema), null),
  lock: LockSummarySchema,
});
/** A live lock event. */
export type LockEventMessage = v.InferOutput<typeof LockEventMessageSchema>;

// ---- a lock's own WebSocket (GET …/locks/:name/socket): commands straight to the lock's object ----

/** Client→server commands on a lock's WebSocket; `id` pairs the command with its reply. */
export const LockCommandSchema = v.variant('op', [
  v.strictObject({
    op: v.literal('acquire'),
    id: v.pipe(v.number(), v.safeInteger()),
    requestId: RequestIdSchema,
    kind: v.optional(LockKindSchema),
    ttlMs: v.optional(LeaseTtlSchema),
    waitMs: v.optional(WaitMsSchema),
    seenSeq: v.optional(SeenSeqSchema),
  }),
  v.strictObject({
    op: v.literal('renew'),
    id: v.pipe(v.number(), v.safeInteger()),
    token: FencingTokenSchema,
    ttlMs: v.optional(LeaseTtlSchema),
  }),
  v.strictObject({
    op: v.literal('release'),
    id: v.pipe(v.number(), v.safeInteger()),
    token: FencingTokenSchema,
    comment: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500))),
  }),
  v.strictObject({
    op: v.literal('cancel'),
    id: v.pipe(v.number(), v.safeInteger()),
    requestId: RequestIdSchema,
  }),
]);
/** A command on a lock's WebSocket. */
export type LockCommand = v.InferOutput<typeof LockCommandSchema>;

/** The reply to one command: `result` (parse it with the op's response schema) or `error`. */
export const LockReplyMessageSchema = v.object({
  type: v.literal('reply'),
  id: v.number(),
  result: v.optional(v.unknown()),
  error: v.optional(ErrorBodySchema),
});
/** A reply on a lock's WebSocket. */
export type LockReplyMessage = v.InferOutput<typeof LockReplyMessageSchema>;

/** Everything the server sends on a lock's WebSocket. */
export const LockSocketServerMessageSchema = v.variant('type', [
  LockReplyMessageSchema,
  LockEventMessageSchema,
]);
/** A server message on a lock's WebSocket. */
export type LockSocketServerMessage = v.InferOutput<typeof LockSocketServerMessageSchema>;

/** The lock name schema, re-exported so that one import serves routes and clients. */
export { LockNameSchema };
