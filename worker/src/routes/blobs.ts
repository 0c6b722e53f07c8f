import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { DEFAULT_PART_BYTES, SINGLE_PUT_MAX_BYTES } from '#shared/blobs/limits';
import {
  BlobHasRequestSchema,
  CreateUploadRequestSchema,
  PART_SHA256_HEADER,
  Sha256HexSchema,
  type BlobHasResponse,
  type BlobInfo,
} from '#shared/blobs/protocol';
import { requireSpaceRole, type SpaceVariables } from '../auth/require-space-role';
import { spaceStub } from '../objects/stubs';
import { contentDisposition, servedContentType } from '../blobs/disposition';
import { hashObject, hashWhileStreaming } from '../blobs/hashing';
import { emptyStream, hashMismatch, messageOf, putBlob } from './put-blob';
import { blobEtag, blobKey } from '../blobs/keys';
import { contentRange, parseRange, unsatisfiedRange } from '../blobs/range';
import { blobLimits } from '../config';
import type { Env } from '../env';
import { ApiError, errorResponse, unwrap } from '../http/api-error';
import { readJson } from '../http/validate';

type BlobEnv = { Bindings: Env; Variables: SpaceVariables };
type BlobContext = Context<BlobEnv>;

const BASE = '/spaces/:spaceId/blobs';
const NO_STORE = { 'cache-control': 'no-store' };
/**
 * User content never runs script, even when opened directly (B16). Not framable either: the app
 * previews files from `blob:` URLs of bytes it fetched, never by framing this URL.
 */
const USER_CONTENT_CSP =
  "default-src 'none'; img-src 'self' data: blob:; media-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";
const UPLOAD_ID = /^[0-9a-f-]{36}$/;

function shaParam(c: BlobContext): string {
  const sha256 = c.req.param('sha256');
  if (!v.is(Sha256HexSchema, sha256))
    throw new ApiError('NOT_FOUND', 'A blob is addressed by its SHA-256 in lowercase hex.');
  return sha256;
}

function uploadIdParam(c: BlobContext): string {
  const uploadId = c.req.param('uploadId') ?? '';
  if (!UPLOAD_ID.test(uploadId))
    throw new ApiError('NOT_FOUND', 'That upload does not exist or has expired.');
  return uploadId;
}

function contentLength(c: BlobContext, max: number): number {
  const header = c.req.header('content-length');
  const length = header === undefined || !/^\d{1,16}$/.test(header) ? NaN : Number(header);
  if (!Number.isSafeInteger(length))
    throw new ApiError('BAD_REQUEST', 'A Content-Length header is required.');
  if (length > max)
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `This request accepts at most ${max} bytes; use a multipart upload.`,
    );
  return length;
}

function space(c: BlobContext) {
  return spaceStub(c.env, c.var.member.spaceId);
}

/** Blob routes under `/api/spaces/:spaceId/blobs` (docs/api.md#blobs, docs/spec/blobs.md). */
export const blobRoutes = new Hono<BlobEnv>()
  .get(`${BASE}/usage`, requireSpaceRole('viewer'), async (c) => {
    return c.json(await space(c).blobUsage(), 200, NO_STORE);
  })
  .post(`${BASE}/has`, requireSpaceRole('viewer'), async (c) => {
    const { hashes } = await readJson(c, BlobHasRequestSchema);
    const body: BlobHasResponse = { present: await space(c).blobHas(hashes) };
    return c.json(body, 200, NO_STORE);
  })
  .on('HEAD', `${BASE}/:sha256`, requireSpaceRole('viewer'), async (c) => {
    const sha256 = shaParam(c);
    const blob = await space(c).blobGet(sha256);
    if (!blob) return c.body(null, 404, NO_STORE);
    return c.body(null, 200, {
      'content-length': String(blob.size),
      etag: blobEtag(sha256),
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
    });
  })
  .get(`${BASE}/:sha256`, requireSpaceRole('viewer'), async (c) => download(c, shaParam(c)))
  .put(`${BASE}/:sha256`, requireSpaceRole('editor'), async (c) => {
    const sha256 = shaParam(c);
    const size = contentLength(c, Math.min(SINGLE_PUT_MAX_BYTES, blobLimits(c.env).maxFileBytes));
    const { spaceId, userId } = c.var.member;
    const stored = await putBlob(c.env, spaceId, sha256, size, c.req.raw.body, userId);
    return c.json(stored.info, stored.created ? 201 : 200, NO_STORE);
  })
  .post(`${BASE}/uploads`, requireSpaceRole('editor'), async (c) => {
    const body = await readJson(c, CreateUploadRequestSchema);
    const key = blobKey(c.var.member.spaceId, body.sha256);
    const partSize = body.partSize ?? DEFAULT_PART_BYTES;
    const result = unwrap(
      await space(c).blobCreateUpload({
        sha256: body.sha256,
        size: body.size,
        partSize,
        key,
        userId: c.var.member.userId,
      }),
    );
    return c.json(result, result.status === 'stored' ? 200 : 201, NO_STORE);
  })
  .get(`${BASE}/uploads/:uploadId`, requireSpaceRole('editor'), async (c) => {
    const state = await space(c).blobUploadState(uploadIdParam(c), c.var.member.userId);
    return c.json(unwrap(state), 200, NO_STORE);
  })
  .put(`${BASE}/uploads/:uploadId/parts/:partNumber`, requireSpaceRole('editor'), async (c) => {
    const uploadId = uploadIdParam(c);
    const partNumber = Number(c.req.param('partNumber'));
    const claimed = c.req.header(PART_SHA256_HEADER);
    if (!v.is(Sha256HexSchema, claimed)) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `The ${PART_SHA256_HEADER} header must carry the part's SHA-256 in lowercase hex.`,
      );
    }
    const length = contentLength(c, blobLimits(c.env).maxFileBytes);
    const stub = space(c);
    const { userId } = c.var.member;
    const target = unwrap(
      await stub.blobPartTarget({ uploadId, partNumber, length, sha256: claimed, userId }),
    );
    // Already accepted with this digest (B19): the bytes are not read, so they cannot replace it.
    if (target.status === 'stored') return c.json({ partNumber, size: length }, 200, NO_STORE);
    const upload = c.env.BLOBS.resumeMultipartUpload(target.key, target.r2UploadId);
    const { stream, digest } = hashWhileStreaming(c.req.raw.body ?? emptyStream(), length);
    let part: R2UploadedPart;
    try {
      part = await upload.uploadPart(partNumber, stream);
    } catch (error) {
      throw new ApiError('BAD_REQUEST', `Part ${partNumber} did not arrive whole: ${messageOf(error)}`);
    }
    // A bad part is not recorded; sending it again overwrites it in R2.
    if ((await digest) !== claimed)
      throw hashMismatch(`Part ${partNumber} does not have the SHA-256 it was sent with.`);
    unwrap(
      await stub.blobRecordPart({
        uploadId,
        partNumber,
        size: length,
        etag: part.etag,
        sha256: claimed,
        userId,
      }),
    );
    return c.json({ partNumber, size: length }, 200, NO_STORE);
  })
  .post(`${BASE}/uploads/:uploadId/complete`, requireSpaceRole('editor'), async (c) =>
    complete(c, uploadIdParam(c)),
  )
  .delete(`${BASE}/uploads/:uploadId`, requireSpaceRole('editor'), async (c) => {
    unwrap(await space(c).blobAbort(uploadIdParam(c), c.var.member.userId));
    return c.body(null, 204);
  });

/** Assembles the parts, then reads the object back once and checks its SHA-256 before it becomes visible (B9, B10). */
async function complete(c: BlobContext, uploadId: string): Promise<Response> {
  const stub = space(c);
  const target = unwrap(await stub.blobBeginComplete(uploadId, c.var.member.userId));
  try {
    await c.env.BLOBS.resumeMultipartUpload(target.key, target.r2UploadId).complete(target.parts);
  } catch (error) {
    // A retry after a lost reply finds the upload already assembled; anything else is worth a retry.
    const head = await c.env.BLOBS.head(target.key);
    if (!head || head.size !== target.size) {
      // The upload opens again so that it can finish (B20); after repeated failures its parts go.
      const { missing } = unwrap(await stub.blobReopenUpload(uploadId));
      if (missing.length > 0) {
        throw new ApiError(
          'UPLOAD_INCOMPLETE',
          `The parts could not be assembled (${messageOf(error)}); send parts ${missing.join(', ')} again, then complete.`,
          { details: { missing } },
        );
      }
      throw new ApiError(
        'UNAVAILABLE',
        `The parts could not be assembled (${messageOf(error)}); try completing again.`,
      );
    }
  }
  const stored = await c.env.BLOBS.head(target.key);
  const verified =
    stored !== null &&
    stored.size === target.size &&
    (await hashObject(c.env.BLOBS, target.key, target.size)) === target.sha256;
  if (!verified) await c.env.BLOBS.delete(target.key);
  const finished = await stub.blobFinishComplete({ uploadId, verified });
  if (!finished.ok && 'code' in finished && finished.code === 'NOT_FOUND' && verified) {
    // A concurrent retry finished first.
    const blob = await stub.blobGet(target.sha256);
    if (blob)
      return c.json(
        { status: 'stored', sha256: target.sha256, size: blob.size, created: false } satisfies BlobInfo,
        200,
        NO_STORE,
      );
  }
  return c.json(unwrap(finished), 201, NO_STORE);
}

/** `GET` with Range, ETag and the headers for untrusted content (B14–B16). */
async function download(c: BlobContext, sha256: string): Promise<Response> {
  const blob = await space(c).blobGet(sha256);
  if (!blob) throw new ApiError('NOT_FOUND', 'This space has no blob with that SHA-256.');
  const etag = blobEtag(sha256);
  const type = servedContentType(c.req.query('type'));
  const headers = new Headers({
    etag,
    // Content-addressed, so it never changes; private because reading it needs membership.
    'cache-control': 'private, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    'content-type': type,
    'content-disposition': contentDisposition(c.req.query('name'), type, c.req.query('inline') === '1'),
    'x-content-type-options': 'nosniff',
    'content-security-policy': USER_CONTENT_CSP,
    'cross-origin-resource-policy': 'same-origin',
  });
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = c.req.header('if-range');
  const range =
    ifRange !== undefined && ifRange !== etag
      ? { kind: 'full' as const }
      : parseRange(c.req.header('range'), blob.size);
  if (range.kind === 'unsatisfiable') {
    const response = errorResponse(
      new ApiError(
        'RANGE_NOT_SATISFIABLE',
        `This blob has ${blob.size} bytes; the requested range is outside it or malformed.`,
      ),
    );
    response.headers.set('content-range', unsatisfiedRange(blob.size));
    return response;
  }
  const key = blob.key;
  const options =
    range.kind === 'partial' ? { range: { offset: range.start, length: range.end - range.start + 1 } } : {};
  const object = await c.env.BLOBS.get(key, options);
  if (!object) throw new ApiError('NOT_FOUND', 'This space has no blob with that SHA-256.');
  if (range.kind === 'partial') {
    headers.set('content-range', contentRange(range.start, range.end, blob.size));
    headers.set('content-length', String(range.end - range.start + 1));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set('content-length', String(blob.size));
  return new Response(object.body, { status: 200, headers });
}
