/**
 * Streams bytes to R2 while hashing them (B9): `stream` is what R2 reads, a fixed-length
 * stream so that R2 accepts it without buffering; `digest` resolves once the last byte has
 * passed. A body shorter or longer than `length` makes the stream, and so the R2 write, fail.
 */
export function hashWhileStreaming(
  body: ReadableStream,
  length: number,
): { stream: ReadableStream<Uint8Array>; digest: Promise<string> } {
  const hasher = new crypto.DigestStream('SHA-256');
  const writer = hasher.getWriter();
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  });
  const stream = body.pipeThrough(tap).pipeThrough(new FixedLengthStream(length));
  return { stream, digest: hasher.digest.then(hex) };
}

/** SHA-256 (hex) of a whole stream, e.g. an assembled R2 object read back once. */
export async function hashStream(body: ReadableStream): Promise<string> {
  const hasher = new crypto.DigestStream('SHA-256');
  await body.pipeTo(hasher);
  return hex(await hasher.digest);
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
