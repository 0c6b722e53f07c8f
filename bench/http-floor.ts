/** The loopback floor the transfer benchmarks share: a plain Node HTTP server, and reading a body to its end. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
