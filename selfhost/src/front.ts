import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
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

/** What the front tracks to stop cleanly: whether it is stopping, requests in flight, open WebSockets. */
class Traffic {
  stopping = false;
  readonly sockets = new Set<Duplex>();
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];

  constructor(readonly target: { host: string; port: number }) {}

  begin(): void {
    this.inFlight += 1;
  }
  end(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
  }
  get unfinished(): number {
    return this.inFlight;
  }
  /** Resolves once nothing is in flight, or after `graceMs`. */
  async settled(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }
}

export function startFront(upstream: URL): Front {
  const traffic = new Traffic({ host: upstream.hostname, port: Number(upstream.port) });
  const server = createServer((req, res) => proxy(traffic, req, res));
  server.on('upgrade', (req: IncomingMessage, client: Duplex, early: Buffer) =>
    upgrade(traffic, req, client, early),
  );
  return { server, drain: (graceMs) => drain(traffic, server, graceMs) };
}

/** Forwards one HTTP request to the Worker and logs it once it is answered (or fails: 502). */
function proxy(traffic: Traffic, req: IncomingMessage, res: ServerResponse): void {
  const startedAt = process.hrtime.bigint();
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  if (traffic.stopping) {
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
    res.end(UNAVAILABLE('Baton is restarting; try again in a moment.'));
    logRequest(method, url, 503, startedAt);
    return;
  }
  traffic.begin();
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    logRequest(method, url, status, startedAt);
    traffic.end();
  };
  const forward = httpRequest(
    { ...traffic.target, method, path: url, headers: { ...req.headers, [CLIENT_IP]: clientIp(req) } },
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
}

/** Joins a WebSocket upgrade to a socket of its own to the Worker; logged with the Worker's status. */
function upgrade(traffic: Traffic, req: IncomingMessage, client: Duplex, early: Buffer): void {
  const startedAt = process.hrtime.bigint();
  if (traffic.stopping) {
    client.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    logRequest(req.method ?? 'GET', req.url ?? '/', 503, startedAt);
    return;
  }
  const worker: Socket = connect(traffic.target, () => {
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
  traffic.sockets.add(client);
  const close = () => {
    traffic.sockets.delete(client);
    if (!logged) logRequest(req.method ?? 'GET', req.url ?? '/', 502, startedAt);
    logged = true;
    client.destroy();
    worker.destroy();
  };
  worker.on('error', close).on('close', close);
  client.on('error', close).on('close', close);
}

/** Stops accepting, closes WebSockets, and waits (at most `graceMs`) for requests in flight. */
async function drain(traffic: Traffic, server: Server, graceMs: number): Promise<{ unfinished: number }> {
  traffic.stopping = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // WebSockets live as long as the page: close them now; clients reconnect to the next server.
  for (const socket of traffic.sockets) socket.destroy();
  await traffic.settled(graceMs);
  const unfinished = traffic.unfinished;
  server.closeAllConnections();
  await closed;
  return { unfinished };
}
