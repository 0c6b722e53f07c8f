import * as v from 'valibot';
import { Sha256HexSchema } from '../blobs/protocol';

/**
 * The Git LFS wire (docs/git-lfs.md, rules G1–G9 in docs/spec/git-lfs.md): the batch API with the
 * basic transfer and the file locking API, as the git-lfs client speaks them. Requests are parsed
 * strictly enough to refuse what would store something wrong, and leniently about fields the
 * client adds (unknown fields are ignored, as the LFS API asks of servers).
 */

/** The media type of every LFS request and answer. */
export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';

/** How long the authorization in a transfer action stays good (G3). */
export const LFS_ACTION_TTL_MS = 15 * 60 * 1000;

/** Largest object one basic-transfer upload may carry: Cloudflare's default request body limit (G4). */
export const LFS_MAX_OBJECT_BYTES = 100 * 1000 * 1000;

/** Most objects one batch request may name. */
export const LFS_BATCH_MAX_OBJECTS = 1_000;

/** Most locks one `GET /locks` or `/locks/verify` page holds (and the default). */
export const LFS_LOCKS_PAGE_MAX = 100;

const RefSchema = v.object({ name: v.pipe(v.string(), v.maxLength(1024)) });

/** One object of a batch request: its SHA-256 and size. */
export const LfsObjectSpecSchema = v.object({
  oid: Sha256HexSchema,
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});

/** `POST <lfs.url>/objects/batch` */
export const LfsBatchRequestSchema = v.object({
  operation: v.picklist(['upload', 'download']),
  transfers: v.optional(v.array(v.pipe(v.string(), v.maxLength(64)))),
  ref: v.optional(v.nullable(RefSchema)),
  objects: v.pipe(v.array(LfsObjectSpecSchema), v.minLength(1), v.maxLength(LFS_BATCH_MAX_OBJECTS)),
  hash_algo: v.optional(v.string()),
});
/** Body of a batch request. */
export type LfsBatchRequest = v.InferOutput<typeof LfsBatchRequestSchema>;

/** One transfer action: where to send or fetch the bytes, with the header that authorizes it. */
export interface LfsAction {
  href: string;
  header: Record<string, string>;
  expires_in: number;
}

/** One object of a batch answer: actions to take, none (already there), or an error. */
export interface LfsObjectResult {
  oid: string;
  size: number;
  authenticated?: boolean;
  actions?: { upload?: LfsAction; verify?: LfsAction; download?: LfsAction };
  error?: { code: number; message: string };
}

/** Body of a batch answer. */
export interface LfsBatchResponse {
  transfer: 'basic';
  objects: LfsObjectResult[];
  hash_algo: 'sha256';
}

/** `POST <url>/verify` after an upload (the action's body). */
export const LfsVerifyRequestSchema = LfsObjectSpecSchema;

/** `POST <lfs.url>/locks` */
export const LfsCreateLockRequestSchema = v.object({
  path: v.string(),
  ref: v.optional(v.nullable(RefSchema)),
});

/** `POST <lfs.url>/locks/verify` */
export const LfsVerifyLocksRequestSchema = v.object({
  ref: v.optional(v.nullable(RefSchema)),
  cursor: v.optional(v.string()),
  limit: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
});

/** `POST <lfs.url>/locks/:id/unlock` */
export const LfsUnlockRequestSchema = v.object({
  force: v.optional(v.boolean()),
  ref: v.optional(v.nullable(RefSchema)),
});

/** `GET <lfs.url>/locks` query: all optional, `limit` bounded. */
export const LfsListLocksQuerySchema = v.object({
  path: v.optional(v.string()),
  id: v.optional(v.string()),
  cursor: v.optional(v.string()),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,6}$/, 'limit must be a whole number'),
      v.transform(Number),
      v.minValue(1),
    ),
  ),
  refspec: v.optional(v.string()),
});

/** The LFS error body: the client prints `message`. `code` is Baton's error code. */
export interface LfsErrorBody {
  message: string;
  code?: string;
  request_id?: string;
  documentation_url?: string;
}
