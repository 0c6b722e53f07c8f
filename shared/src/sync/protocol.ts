import { TextOpSchema } from './text-ops';
import * as v from 'valibot';
import { isTooFarAhead, MAX_CLOCK_SKEW_MS, NodeIdSchema, StampSchema } from './hlc';
import { ItemStateSchema, JsonValueSchema } from './item';
import { MutationSchema } from './mutation';

/**
 * Most mutations in one push (S2). Large on purpose: a batch costs the server a few SQL
 * statements whatever its size, and every round trip costs a session check and an fsync.
 */
export const MAX_PUSH_MUTATIONS = 10_000;
/** Largest push body in bytes (S2). The client packs batches below this. */
export const MAX_PUSH_BYTES = 4 * 1024 * 1024;
/** Largest one mutation may be, as JSON bytes. */
export const MAX_MUTATION_BYTES = 256 * 1024;
/** Largest an item may grow, as JSON bytes; a write that would pass it is rejected (ITEM_TOO_LARGE). */
export const MAX_ITEM_BYTES = 1024 * 1024;
/** Changes per pull page unless the client asks for fewer (S10). */
export const PULL_PAGE_DEFAULT = 1000;
/** Most changes in one pull page. */
export const PULL_PAGE_MAX = 2000;
/** A pull page stops early once its items pass this many bytes, so a page stays small. */
export const PULL_PAGE_MAX_BYTES = 4 * 1024 * 1024;

/** `POST /api/spaces/:spaceId/sync/push`: a batch of the client's outbox. */
export const PushRequestSchema = v.strictObject({
  clientId: NodeIdSchema,
  mutations: v.pipe(
    v.array(MutationSchema),
    v.minLength(1, 'A push carries at least one mutation'),
    v.maxLength(MAX_PUSH_MUTATIONS, `A push carries at most ${MAX_PUSH_MUTATIONS} mutations`),
  ),
});

/** A batch of the client's outbox. */
export type PushRequest = v.InferOutput<typeof PushRequestSchema>;

/** One text field as the server merged it (S37). */
export const MergedFieldSchema = v.object({
  v: JsonValueSchema,
  s: StampSchema,
  moved: v.nullable(TextOpSchema),
});

/** One text field as the server merged it. */
export type MergedField = v.InferOutput<typeof MergedFieldSchema>;

/** The outcome of one mutation: applied (perhaps with conflict copies), or rejected with a code. */
export const MutationResultSchema = v.variant('status', [
  v.object({
    id: v.string(),
    status: v.literal('applied'),
    /** Ids of the conflict copies this mutation caused (S6). */
    copies: v.array(v.string()),
    /**
     * Protocol 5: the text fields the server merged with a version the writer had not seen (S37):
     * the merged version, and the exact edit from the written text to it (null where overlapping
     * changes were left out and kept in a copy), so the device moves what it typed since onto it
     * without guessing where the other side's characters went.
     */
    merged: v.optional(v.record(v.string(), MergedFieldSchema)),
  }),
  v.object({
    id: v.string(),
    status: v.literal('rejected'),
    code: v.string(),
    message: v.string(),
    copies: v.array(v.string()),
    /** The server's item now, so the client can drop the refused write from its copy (S8). */
    current: v.nullable(ItemStateSchema),
  }),
]);

/** The outcome of one mutation. */
export type MutationResult = v.InferOutput<typeof MutationResultSchema>;

/** The reply to a push: one result per mutation, in order, and the space's sequence after it. */
export const PushResponseSchema = v.object({
  results: v.array(MutationResultSchema),
  head: v.number(),
  serverTime: v.number(),
});

/** The reply to a push. */
export type PushResponse = v.InferOutput<typeof PushResponseSchema>;

/** `GET /api/spaces/:spaceId/sync/pull?after=N&limit=L` query. */
export const PullQuerySchema = v.strictObject({
  after: v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'after must be a whole number'), v.transform(Number)),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}$/, 'limit must be a whole number'),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(PULL_PAGE_MAX),
    ),
  ),
});

/** A pull query. */
export type PullQuery = v.InferOutput<typeof PullQuerySchema>;

/** One change in a pull page: the whole item as it is at sequence `seq` (S10). */
export const ChangeSchema = v.object({
  seq: v.number(),
  item: ItemStateSchema,
  /**
   * Protocol 5: per text field the change moved, the exact edit from the version it had before
   * the push that made this change (S39), so a device holding that version moves along it.
   */
  moves: v.optional(v.record(v.string(), v.object({ from: StampSchema, op: TextOpSchema }))),
});

/** One change in a pull page. */
export type Change = v.InferOutput<typeof ChangeSchema>;

/** A page of changes after the client's sequence; `more` says whether to ask again from `next`. */
export const PullResponseSchema = v.object({
  changes: v.array(ChangeSchema),
  next: v.number(),
  head: v.number(),
  more: v.boolean(),
  serverTime: v.number(),
});

/** A page of changes. */
export type PullResponse = v.InferOutput<typeof PullResponseSchema>;

/** A problem with a whole push batch, found before anything is stored (S9). */
export interface BatchProblem {
  code: 'PAYLOAD_TOO_LARGE' | 'CLOCK_SKEW' | 'VALIDATION_FAILED';
  message: string;
}

/**
 * Checks what the schema cannot: mutation sizes, stamps from the future beyond the skew bound,
 * stamps not made by the pushing client (S9). `null` when the batch may be applied.
 */
export function batchProblem(request: PushRequest, serverNow: number): BatchProblem | null {
  for (const mutation of request.mutations) {
    if (jsonBytes(mutation) > MAX_MUTATION_BYTES) {
      return {
        code: 'PAYLOAD_TOO_LARGE',
        message: `Mutation ${mutation.id} is larger than ${MAX_MUTATION_BYTES} bytes.`,
      };
    }
    if (!mutation.stamp.endsWith(`-${request.clientId}`)) {
      return { code: 'VALIDATION_FAILED', message: `Mutation ${mutation.id} is stamped by another client.` };
    }
    if (isTooFarAhead(mutation.stamp, serverNow)) {
      return {
        code: 'CLOCK_SKEW',
        message: `Mutation ${mutation.id} is stamped more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the server's clock; check the device's clock.`,
      };
    }
  }
  return null;
}

/** The size of a value as UTF-8 JSON, for the batch and item bounds. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  let bytes = json.length;
  // Count the extra UTF-8 bytes of non-ASCII characters without needing TextEncoder here.
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** Largest pull page a poke carries (S21): a few keystrokes' worth, so every socket gets it cheaply. */
export const POKE_PAGE_MAX_BYTES = 64 * 1024;
/** Most changes a poke carries (S21). */
export const POKE_PAGE_MAX_CHANGES = 100;

/**
 * `{ type: 'poke', seq }` on the space's WebSocket: the space's sequence grew to `seq` (S11). A
 * client that is behind pulls; a missed poke only delays a pull. When the push that grew it was
 * small, the poke also carries its changes as the pull page after `from` (S21), so a client that
 * holds exactly `from` applies it without a pull.
 */
export const PokeMessageSchema = v.object({
  type: v.literal('poke'),
  seq: v.number(),
  from: v.optional(v.number()),
  page: v.optional(PullResponseSchema),
});

/** A poke. */
export type PokeMessage = v.InferOutput<typeof PokeMessageSchema>;
