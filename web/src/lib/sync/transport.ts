import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import {
  PullResponseSchema,
  PushResponseSchema,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '#shared/sync/protocol';
import { SOCKET_PING, SpaceSocketMessageSchema, type SpaceSocketMessage } from '#shared/socket';
import { SocketPusher } from './socket-push';
import { SyncError, syncFailure } from './sync-error';

export { SyncError };

/** A live connection to the space's WebSocket. */
export interface LiveSocket {
  close(): void;
}

/** Callbacks of a live connection. */
export interface LiveHandlers {
  onMessage(message: SpaceSocketMessage): void;
  onOpen(): void;
  onClose(): void;
}

/** What the sync engine needs from the network; tests can put a fake behind it. */
export interface SyncTransport {
  push(spaceId: string, request: PushRequest): Promise<PushResponse>;
  pull(spaceId: string, after: number, limit?: number): Promise<PullResponse>;
  connect(spaceId: string, handlers: LiveHandlers): LiveSocket;
}

/** How the HTTP transport reaches the server. In the browser all defaults apply. */
export interface HttpTransportOptions {
  /** Origin of the API; '' (same origin) in the browser. */
  baseUrl?: string;
  /** Extra headers, for Node clients (cookie, origin); a browser sends its own. */
  headers?: Record<string, string>;
  /** The WebSocket constructor; Node's global one accepts `{ headers }` as its second argument. */
  WebSocket?: typeof WebSocket;
}

const KEEPALIVE_MS = 30_000;

/** The sync transport over `fetch` and the space's WebSocket. */
export class HttpTransport implements SyncTransport {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly WebSocketImpl: typeof WebSocket | undefined;
  /** Per space, the open socket's pusher (S29): pushes go over it while it is open. */
  private readonly pushers = new Map<string, SocketPusher>();

  constructor(options: HttpTransportOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.headers = options.headers ?? {};
    this.WebSocketImpl = options.WebSocket ?? (typeof WebSocket === 'undefined' ? undefined : WebSocket);
  }

  push(spaceId: string, request: PushRequest): Promise<PushResponse> {
    const overSocket = this.pushers.get(spaceId)?.push(request);
    if (overSocket) return overSocket;
    return this.call(`/api/spaces/${spaceId}/sync/push`, PushResponseSchema, {
      method: 'POST',
      body: JSON.stringify(request),
    });
  }

  pull(spaceId: string, after: number, limit?: number): Promise<PullResponse> {
    const query = limit === undefined ? `after=${after}` : `after=${after}&limit=${limit}`;
    return this.call(`/api/spaces/${spaceId}/sync/pull?${query}`, PullResponseSchema, { method: 'GET' });
  }

  connect(spaceId: string, handlers: LiveHandlers): LiveSocket {
    const Impl = this.WebSocketImpl;
    if (!Impl) throw new SyncError('NETWORK', 'WebSockets are not available here.', 0, 'retry');
    const base = this.baseUrl || location.origin;
    const url = `${base.replace(/^http/, 'ws')}/api/spaces/${spaceId}/socket`;
    // Node's WebSocket takes headers in a second argument; browsers send cookies themselves.
    const ws =
      Object.keys(this.headers).length > 0
        ? new (Impl as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket)(
            url,
            { headers: this.headers },
          )
        : new Impl(url);
    let keepalive: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    // The browser knows the network went away before a socket does: what waits on it fails now
    // (and is retried), not after the answer's timeout; the channel reconnects when it is back.
    const drop = (): void => {
      finish();
      ws.close();
    };
    const pusher = new SocketPusher((text) => ws.send(text), drop);
    this.pushers.set(spaceId, pusher);
    const inWindow = typeof window !== 'undefined';
    if (inWindow) addEventListener('offline', drop);
    const finish = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      if (inWindow) removeEventListener('offline', drop);
      pusher.close();
      if (this.pushers.get(spaceId) === pusher) this.pushers.delete(spaceId);
      handlers.onClose();
    };
    ws.addEventListener('open', () => {
      keepalive = setInterval(() => ws.readyState === ws.OPEN && ws.send(SOCKET_PING), KEEPALIVE_MS);
      handlers.onOpen();
    });
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string' || event.data === 'pong') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      // Lenient: a message this version does not know is ignored.
      const parsed = v.safeParse(SpaceSocketMessageSchema, json);
      if (parsed.success && !pusher.take(parsed.output)) handlers.onMessage(parsed.output);
    });
    ws.addEventListener('close', finish);
    ws.addEventListener('error', finish);
    return { close: drop };
  }

  private async call<S extends v.GenericSchema>(
    path: string,
    schema: S,
    init: { method: string; body?: string },
  ): Promise<v.InferOutput<S>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: init.method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: {
          ...this.headers,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body ?? null,
      });
    } catch {
      throw new SyncError('NETWORK', 'The server could not be reached.', 0, 'retry');
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const body = v.safeParse(ErrorBodySchema, json);
      throw syncFailure(response.status, body.success ? body.output : null);
    }
    const parsed = v.safeParse(schema, json);
    if (!parsed.success)
      throw new SyncError(
        'BAD_RESPONSE',
        'The server sent an answer this app does not understand.',
        response.status,
        'retry',
      );
    return parsed.output;
  }
}
