import { checkQuota } from '#shared/blobs/quota';
import { hashWhileStreaming } from '../blobs/hashing';
import { blobKey } from '../blobs/keys';
import { blobLimits } from '../config';
import { ApiError } from '../http/api-error';
import type { Outcome } from '../space/blob-schema';
import type { DavContext, OpenSpace } from './context';

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new ApiError(outcome.code, outcome.message);
  return outcome.value;
}

/**
 * Stores a PUT body as a blob of the space, through the same blob records as the blob API (B7,
 * B8, B9): size and quota are checked before a byte is kept; the bytes are hashed while they
 * stream into R2. WebDAV does not tell the hash up front, so the bytes land at a key of their
 * own first and are copied to their content address once the hash is known (new content only;
 * known content is dropped). Any failure deletes what was written: the item keeps its version.
 */
export async function storeBody(
  c: DavContext,
  space: OpenSpace,
  size: number,
  body: ReadableStream = c.req.raw.body ?? new ReadableStream({ start: (ctl) => ctl.close() }),
): Promise<string> {
  const fits = checkQuota(await space.stub.blobUsage(), size, blobLimits(c.env).maxFileBytes);
  if (!fits.ok) throw new ApiError(fits.code, fits.message);
  const incoming = `spaces/${space.spaceId}/incoming/${crypto.randomUUID()}`;
  try {
    let sha256: string;
    try {
      const { stream, digest } = hashWhileStreaming(body, size);
      await c.env.BLOBS.put(incoming, stream);
      sha256 = await digest;
    } catch (error) {
      throw new ApiError(
        'BAD_REQUEST',
        `The upload did not arrive whole: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const key = blobKey(space.spaceId, sha256);
    const begun = unwrap(await space.stub.blobBeginPut(sha256, size, key, c.var.principal.userId));
    if (begun.status === 'stored') return sha256;
    try {
      const object = await c.env.BLOBS.get(incoming);
      if (!object) throw new Error('the uploaded bytes disappeared');
      await c.env.BLOBS.put(key, object.body.pipeThrough(new FixedLengthStream(size)), { sha256 });
    } catch (error) {
      await c.env.BLOBS.delete(key);
      await space.stub.blobAbort(begun.uploadId, null);
      throw new ApiError(
        'UNAVAILABLE',
        `The file could not be stored: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    unwrap(await space.stub.blobFinishPut(begun.uploadId));
    return sha256;
  } finally {
    await c.env.BLOBS.delete(incoming);
  }
}
