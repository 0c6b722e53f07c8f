/**
 * Streams bytes to R2 while hashing them (B9): `stream` is what R2 reads, a fixed-length
 * stream so that R2 accepts it without buffering; `digest` resolves once the last byte has
 * passed. A body shorter or longer than `length` makes the stream, and so the R2 write, fail.
 */
export function hashWhileStreaming(
  body: ReadableStream,
  length: number,
): { stream: ReadableStream<Uint8Array>; digest: Promise<string> } {
  // A tee of the request body, measured in local workerd at ~1.6x the throughput of a
  // TransformStream that writes each chunk to the digest from JavaScript (12 parts of 8 MiB,
  // 4 in flight: medians 23 vs 14 MB/s; 30 MB/s without hashing).
  const [toStore, toHash] = body.tee();
  const hasher = new crypto.DigestStream('SHA-256');
  const hashed = toHash.pipeTo(hasher).then(async () => hex(await hasher.digest));
  // If the store side fails, nobody awaits the digest: keep its rejection from going unhandled.
  hashed.catch(() => undefined);
  return { stream: toStore.pipeThrough(new FixedLengthStream(length)), digest: hashed };
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Bytes per ranged read when an object is read back to be verified. */
const READBACK_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * SHA-256 (hex) of an R2 object read back in ranges, the next range fetched while the current
 * one is hashed (at most `depth` ranges in memory). Measured in local workerd on a 100 MiB
 * multipart object: ~2x faster than hashing one whole-object stream (medians 2.0 s vs 4.2 s).
 * Answers null when the object is gone or shorter than `size`.
 */
export async function hashObject(
  bucket: R2Bucket,
  key: string,
  size: number,
  depth = 2,
  chunk = READBACK_CHUNK_BYTES,
): Promise<string | null> {
  const hasher = new crypto.DigestStream('SHA-256');
  const writer = hasher.getWriter();
  const read = async (offset: number): Promise<ArrayBuffer | null> => {
    const object = await bucket.get(key, { range: { offset, length: Math.min(chunk, size - offset) } });
    return object ? object.arrayBuffer() : null;
  };
  const pending: Promise<ArrayBuffer | null>[] = [];
  let next = 0;
  const refill = () => {
    while (pending.length < depth && next < size) {
      const reading = read(next);
      reading.catch(() => undefined); // awaited below, in order
      pending.push(reading);
      next += chunk;
    }
  };
  refill();
  let seen = 0;
  for (let reading = pending.shift(); reading; reading = pending.shift()) {
    const buffer = await reading;
    if (!buffer) return null;
    seen += buffer.byteLength;
    refill();
    await writer.write(new Uint8Array(buffer));
  }
  await writer.close();
  return seen === size ? hex(await hasher.digest) : null;
}
