/** Helpers the benchmarks share: timing, medians, and a plain Node HTTP server as the floor. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const mbPerS = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function drain(response: Response): Promise<number> {
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
  }
}

/** A plain Node HTTP server: swallows POST bodies, answers GET with the bytes. */
export async function rawServer(bytes: Uint8Array<ArrayBuffer>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end(String(received)));
    } else {
      res.writeHead(200, {
        'content-length': String(bytes.length),
        'content-type': 'application/octet-stream',
      });
      res.end(bytes);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
