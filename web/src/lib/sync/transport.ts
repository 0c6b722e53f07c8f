import * as v from 'valibot';
import { ERROR_REACTION, ErrorBodySchema, isErrorCode, type ErrorReaction } from '#shared/errors';
import {
  PullResponseSchema,
  PushResponseSchema,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '#shared/sync/protocol';
import { SOCKET_PING, SpaceSocketMessageSchema, type SpaceSocketMessage } from '#shared/socket';

/** A failed sync request, with what the client should do about it (retry, reject the edits, stop). */
export class SyncError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly reaction: ErrorReaction,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

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

  constructor(options: HttpTransportOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.headers = options.headers ?? {};
    this.WebSocketImpl = options.WebSocket ?? (typeof WebSocket === 'undefined' ? undefined : WebSocket);
  }

  push(spaceId: string, request: PushRequest): Promise<PushResponse> {
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
    const finish = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
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
      if (parsed.success) handlers.onMessage(parsed.output);
    });
    ws.addEventListener('close', finish);
    ws.addEventListener('error', finish);
    return {
      close: () => {
        finish();
        ws.close();
      },
    };
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
      const code = body.success ? body.output.code : `HTTP_${response.status}`;
      const message = body.success ? body.output.message : `The server answered ${response.status}.`;
      const reaction: ErrorReaction = isErrorCode(code)
        ? ERROR_REACTION[code]
        : response.status >= 500
          ? 'retry'
          : 'reject';
      throw new SyncError(
        code,
        message,
        response.status,
        reaction,
        body.success ? body.output.retryAfterMs : undefined,
      );
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
