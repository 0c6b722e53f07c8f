import * as v from 'valibot';
import { MAX_FILE_BYTES, MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES } from './limits';

/**
 * The blob wire protocol under `/api/spaces/:spaceId/blobs` (docs/api.md, docs/spec/blobs.md).
 * Request bodies are parsed strictly by the Worker; responses leniently by the browser.
 */

/** A SHA-256 as 64 lowercase hex characters: the blob's address within its space. */
export const Sha256HexSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
);

/** A blob's address. */
export type Sha256Hex = v.InferOutput<typeof Sha256HexSchema>;

/** Header of `PUT .../uploads/:id/parts/:n`: the SHA-256 (hex) of that part's bytes, checked as it is stored. */
export const PART_SHA256_HEADER = 'x-part-sha256';

const SizeSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(MAX_FILE_BYTES));

/** `POST .../blobs/has`: which of these blobs does the space already have? */
export const BlobHasRequestSchema = v.strictObject({
  hashes: v.pipe(v.array(Sha256HexSchema), v.maxLength(100)),
});

/** Body of `POST .../blobs/has`. */
export type BlobHasRequest = v.InferOutput<typeof BlobHasRequestSchema>;

/** Answer of `POST .../blobs/has`: the subset of the asked hashes that are stored and verified. */
export const BlobHasResponseSchema = v.object({ present: v.array(Sha256HexSchema) });

/** Answer of `POST .../blobs/has`. */
export type BlobHasResponse = v.InferOutput<typeof BlobHasResponseSchema>;

/** `POST .../blobs/uploads`: start (or resume) a multipart upload of the blob `sha256`. */
export const CreateUploadRequestSchema = v.strictObject({
  sha256: Sha256HexSchema,
  // Not capped by the schema: a file over MAX_FILE_BYTES gets the clearer FILE_TOO_LARGE (B7).
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  partSize: v.optional(
    v.pipe(v.number(), v.safeInteger(), v.minValue(MIN_PART_BYTES), v.maxValue(MAX_PART_BYTES)),
  ),
});

/** Body of `POST .../blobs/uploads`. */
export type CreateUploadRequest = v.InferOutput<typeof CreateUploadRequestSchema>;

/** A part the server has stored and checked. */
export const UploadedPartSchema = v.object({
  partNumber: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_PARTS)),
  size: SizeSchema,
});

/** A part the server has stored and checked. */
export type UploadedPart = v.InferOutput<typeof UploadedPartSchema>;

/** The state of a multipart upload: what the client still has to send. */
export const UploadStateSchema = v.object({
  status: v.literal('uploading'),
  uploadId: v.string(),
  sha256: Sha256HexSchema,
  size: SizeSchema,
  partSize: v.number(),
  partCount: v.number(),
  parts: v.array(UploadedPartSchema),
});

/** The state of a multipart upload. */
export type UploadState = v.InferOutput<typeof UploadStateSchema>;

/** A stored, verified blob. `created` is false when the space already had it (dedupe). */
export const BlobInfoSchema = v.object({
  status: v.literal('stored'),
  sha256: Sha256HexSchema,
  size: SizeSchema,
  created: v.boolean(),
});

/** A stored, verified blob. */
export type BlobInfo = v.InferOutput<typeof BlobInfoSchema>;

/** Answer of `POST .../blobs/uploads`: either the blob is already there, or an upload to continue. */
export const CreateUploadResponseSchema = v.variant('status', [BlobInfoSchema, UploadStateSchema]);

/** Answer of `POST .../blobs/uploads`. */
export type CreateUploadResponse = v.InferOutput<typeof CreateUploadResponseSchema>;

/** Answer of `GET .../blobs/usage`: the space's storage use against its quota. */
export const BlobUsageSchema = v.object({
  usedBytes: v.number(),
  reservedBytes: v.number(),
  quotaBytes: v.number(),
  blobCount: v.number(),
  maxFileBytes: v.number(),
});

/** Answer of `GET .../blobs/usage`. */
export type BlobUsage = v.InferOutput<typeof BlobUsageSchema>;
