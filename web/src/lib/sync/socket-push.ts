import { SOCKET_PUSH_MAX_BYTES, type PushReplyMessage, type SpaceSocketMessage } from '#shared/socket';
import type { PushRequest, PushResponse } from '#shared/sync/protocol';
import { PROTOCOL_VERSION } from '#shared/version';
import { SyncError, syncFailure } from './sync-error';

/** The first protocol whose server takes pushes over the socket (S29). */
const SOCKET_PUSH_SINCE = 4;
/**
 * How long a socket push waits for its answer before it counts as lost: the socket is then
 * taken for dead and closed, and the push retried (S3, S12).
 */
const REPLY_TIMEOUT_MS = 10_000;

interface Waiting {
  resolve(response: PushResponse): void;
  reject(error: SyncError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Pushes over one open space socket (S29) and pairs each answer with its push. Used only once
 * the server's hello says it takes them, and only for pushes small enough for one message;
 * a socket that closes fails what waits with a network error, which the engine retries.
 */
export class SocketPusher {
  private ready = false;
  private next = 0;
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly send: (text: string) => void,
    private readonly onStuck: () => void = () => undefined,
  ) {}

  /** Reads a message from the socket; answers true when it was a push reply (consumed here). */
  take(message: SpaceSocketMessage): boolean {
    if (message.type === 'hello') {
      this.ready = message.protocol >= SOCKET_PUSH_SINCE && PROTOCOL_VERSION >= SOCKET_PUSH_SINCE;
      return false;
    }
    if (message.type !== 'pushed' && message.type !== 'push-failed') return false;
    this.answer(message);
    return true;
  }

  /** Sends the push over the socket, or answers null when it must go over HTTP. */
  push(request: PushRequest): Promise<PushResponse> | null {
    if (!this.ready) return null;
    const id = `p${this.next + 1}`;
    const text = JSON.stringify({ type: 'push', id, request });
    if (
      text.length * 3 > SOCKET_PUSH_MAX_BYTES &&
      new TextEncoder().encode(text).byteLength > SOCKET_PUSH_MAX_BYTES
    )
      return null;
    this.next += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(id, 'The server did not answer the push.');
        this.onStuck();
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      try {
        this.send(text);
      } catch {
        this.fail(id, 'The server could not be reached.');
      }
    });
  }

  /** The socket closed: nothing more can be answered on it. */
  close(): void {
    this.ready = false;
    for (const id of [...this.waiting.keys()])
      this.fail(id, 'The connection closed before the push was answered.');
  }

  private answer(message: PushReplyMessage): void {
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.type === 'pushed') waiting.resolve(message.response);
    else waiting.reject(syncFailure(message.status, message.error));
  }

  private fail(id: string, text: string): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(new SyncError('NETWORK', text, 0, 'retry'));
  }
}
