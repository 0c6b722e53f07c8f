import * as v from 'valibot';
import { LockViaSchema } from './lock-terms';
import { LockSummarySchema } from './lock-records';

// What happened to a lock: history lines (rule L10) and live events.

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
