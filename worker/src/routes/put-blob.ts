import type { BlobInfo } from '#shared/blobs/protocol';
import { spaceStub } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError, unwrap } from '../http/api-error';
import { blobKey } from '../blobs/keys';

/**
 * Stores one blob sent in a single request (B3, B9): reserved against the quota, streamed to R2
 * once while R2 checks its SHA-256, and recorded only if the bytes have the SHA-256 they were sent as; a failed or
 * mismatched write leaves nothing behind. The app's `PUT …/blobs/:sha256` and Git LFS uploads
 * both come through here, so an object is one blob whichever front sent it.
 */
export async function putBlob(
  env: Env,
  spaceId: string,
  sha256: string,
  size: number,
  body: ReadableStream | null,
  userId: string,
): Promise<{ info: BlobInfo; created: boolean }> {
  const key = blobKey(spaceId, sha256);
  const stub = spaceStub(env, spaceId);
  const begun = unwrap(await stub.blobBeginPut({ sha256, size, key, userId }));
  if (begun.status === 'stored') return { info: begun, created: false };
  try {
    // R2 hashes the bytes as it stores them and refuses the write unless they have `sha256`:
    // verified while streaming, without a second hash in the Worker (the tee halved throughput).
    await env.BLOBS.put(key, (body ?? emptyStream()).pipeThrough(new FixedLengthStream(size)), { sha256 });
  } catch (error) {
    // A failed write leaves nothing behind.
    await env.BLOBS.delete(key);
    await stub.blobAbort(begun.uploadId, null);
    if (isChecksumError(error)) throw hashMismatch();
    throw new ApiError('BAD_REQUEST', `The upload did not arrive whole: ${messageOf(error)}`);
  }
  return { info: unwrap(await stub.blobFinishPut(begun.uploadId)), created: true };
}

/** The error of bytes that do not have the SHA-256 they were sent as (B9). */
export function hashMismatch(
  message = 'The uploaded bytes do not have the SHA-256 they were sent with; nothing was kept.',
): ApiError {
  return new ApiError('HASH_MISMATCH', message);
}

function isChecksumError(error: unknown): boolean {
  return /sha-?256|checksum|digest/i.test(messageOf(error));
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A body that ends at once. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}
