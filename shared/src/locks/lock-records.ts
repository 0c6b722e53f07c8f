import * as v from 'valibot';
import { LockKindSchema, LockViaSchema } from './lock-terms';

// Who holds a lock and what one lock looks like from outside (parsed leniently by clients).

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
