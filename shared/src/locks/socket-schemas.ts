import * as v from 'valibot';
import { ErrorBodySchema } from '../errors';
import {
  FencingTokenSchema,
  LeaseTtlSchema,
  LockKindSchema,
  RequestIdSchema,
  SeenSeqSchema,
  WaitMsSchema,
} from './lock-terms';
import { LockEventMessageSchema } from './history-schemas';

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
