import * as v from 'valibot';
import {
  FencingTokenSchema,
  LeaseTtlSchema,
  LockKindSchema,
  RequestIdSchema,
  SeenSeqSchema,
  WaitMsSchema,
} from './lock-terms';
import { LockHolderSchema } from './lock-records';

// The commands on a lock (HTTP and socket alike): requests parsed strictly by the server,
// answers parsed leniently by clients.

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

// ---- answers ----

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
