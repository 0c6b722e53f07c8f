import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { routeOf } from './route';

/**
 * The public port: forwards every request and WebSocket to the Worker (Miniflare's socket on
 * loopback), writes one JSON line per request to stdout, and on stop refuses new work while the
 * requests in flight finish. A thin front is what gives the image a request log and a clean
 * stop; the Worker's behaviour stays entirely in the Worker.
 */
export interface Front {
  server: Server;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), closes WebSockets. */
  drain(graceMs: number): Promise<{ unfinished: number }>;
}

/** One request log line. */
export interface RequestLog {
  time: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
}

function logRequest(method: string, url: string, status: number, startedAt: bigint): void {
  const line: RequestLog = {
    time: new Date().toISOString(),
    method,
    route: routeOf(url),
    status,
    duration_ms: Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const UNAVAILABLE = (message: string) => JSON.stringify({ code: 'UNAVAILABLE', message, retryAfterMs: 1000 });

/**
 * The front is this deployment's edge, as Cloudflare's is in production: it alone says who the
 * client is, in `cf-connecting-ip` (the peer's address; one a client sent is replaced), which the
 * Worker's per-address limits read (docs/spec/accounts.md A12; CLIENT_IP_SOURCE in runtime.ts).
 */
const CLIENT_IP = 'cf-connecting-ip';
const clientIp = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

/** The request line and headers of `req`, as sent to the Worker for a WebSocket upgrade. */
function head(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === CLIENT_IP) continue;
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`${CLIENT_IP}: ${clientIp(req)}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function startFront(upstream: URL): Front {
  const target = { host: upstream.hostname, port: Number(upstream.port) };
  let stopping = false;
  let inFlight = 0;
  const idle: (() => void)[] = [];
  const sockets = new Set<Duplex>();
  const done = () => {
    inFlight -= 1;
    if (inFlight === 0) idle.splice(0).forEach((resolve) => resolve());
  };

  const server = createServer((req, res) => {
    const startedAt = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (stopping) {
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
      res.end(UNAVAILABLE('Baton is restarting; try again in a moment.'));
      logRequest(method, url, 503, startedAt);
      return;
    }
    inFlight += 1;
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      logRequest(method, url, status, startedAt);
      done();
    };
    const forward = httpRequest(
      { ...target, method, path: url, headers: { ...req.headers, [CLIENT_IP]: clientIp(req) } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(res);
        res.on('close', () => finish(answer.statusCode ?? 502));
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(UNAVAILABLE('Baton could not answer this request; try again.'));
      } else res.destroy();
      finish(502);
    });
    // A client that goes away mid-request: the Worker sees the body end early and rejects it whole.
    req.on('aborted', () => forward.destroy());
    req.pipe(forward);
  });

  server.on('upgrade', (req: IncomingMessage, client: Duplex, early: Buffer) => {
    const startedAt = process.hrtime.bigint();
    if (stopping) {
      client.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      logRequest(req.method ?? 'GET', req.url ?? '/', 503, startedAt);
      return;
    }
    const worker: Socket = connect(target, () => {
      worker.write(head(req));
      if (early.length > 0) worker.write(early);
      client.pipe(worker);
    });
    let logged = false;
    worker.once('data', (chunk: Buffer) => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 502);
      logRequest(req.method ?? 'GET', req.url ?? '/', status, startedAt);
      logged = true;
    });
    worker.on('data', (chunk: Buffer) => client.write(chunk));
    sockets.add(client);
    const close = () => {
      sockets.delete(client);
      if (!logged) logRequest(req.method ?? 'GET', req.url ?? '/', 502, startedAt);
      logged = true;
      client.destroy();
      worker.destroy();
    };
    worker.on('error', close).on('close', close);
    client.on('error', close).on('close', close);
  });

  return {
    server,
    async drain(graceMs) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // WebSockets live as long as the page: close them now; clients reconnect to the next server.
      for (const socket of sockets) socket.destroy();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idle.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
