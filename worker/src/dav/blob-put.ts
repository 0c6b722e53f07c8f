import { checkQuota } from '#shared/blobs/quota';
import { hashWhileStreaming } from '../blobs/hashing';
import { uploadKey } from '../blobs/keys';
import { blobLimits } from '../config';
import { ApiError, unwrap } from '../http/api-error';
import type { DavContext, OpenSpace } from './context';

/**
 * Stores a PUT body as a blob of the space, through the same blob records as the blob API (B7,
 * B8, B9): size and quota are checked before a byte is kept; the bytes stream into R2 once, at a
 * key of their own, hashed on the way (WebDAV does not tell the hash up front). The space then
 * adopts them as the blob of that hash, or, when it has that content already, they are deleted
 * (D7). Any failure deletes what was written: the item keeps its version.
 */
export async function storeBody(
  c: DavContext,
  space: OpenSpace,
  size: number,
  body: ReadableStream = c.req.raw.body ?? new ReadableStream({ start: (ctl) => ctl.close() }),
): Promise<string> {
  const fits = checkQuota(await space.stub.blobUsage(), size, blobLimits(c.env).maxFileBytes);
  if (!fits.ok) throw new ApiError(fits.code, fits.message);
  const key = uploadKey(space.spaceId);
  let sha256: string;
  try {
    const { stream, digest } = hashWhileStreaming(body, size);
    await c.env.BLOBS.put(key, stream);
    sha256 = await digest;
  } catch (error) {
    await c.env.BLOBS.delete(key);
    throw new ApiError(
      'BAD_REQUEST',
      `The upload did not arrive whole: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const adopted = await space.stub.blobAdopt({ sha256, size, key });
  // Refused (quota, busy) or the space has this content already: this copy is not needed.
  if (!(adopted.ok && adopted.value.created)) await c.env.BLOBS.delete(key);
  return unwrap(adopted).sha256;
}
