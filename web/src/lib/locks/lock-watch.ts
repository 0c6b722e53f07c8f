import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { LockListResponseSchema, type LockSummary } from '#shared/locks/schemas';
import type { Notice } from '#shared/notices/schemas';
import { SOCKET_PING, SpaceSocketMessageSchema } from '#shared/socket';

/** Options of {@link watchLocks}; the same connection settings as the lock client. */
export interface LockWatchOptions {
  baseUrl: string;
  spaceId: string;
  openSocket?: (url: string) => WebSocket;
  headers?: Record<string, string>;
  /** Called with every held or contended lock, sorted by name, after each change. */
  onChange: (locks: LockSummary[]) => void;
  /** Called when the watch stops for good (the caller lost access: 401/403/404). */
  onStop?: (reason: string) => void;
  /** Called with each notice for the signed-in person (L26–L29), as it arrives. */
  onNotice?: (notice: Notice) => void;
  /** Called with the space's stale rule (days) each time the list is loaded (L31). */
  onStaleRule?: (staleAfterDays: number) => void;
  /** Called on every (re)connect: notices sent while away are read then (L29). */
  onConnect?: () => void;
}

const PING_EVERY_MS = 30_000;

/**
 * Follows a space's locks live (holder, time left, queue length): loads the list, then applies
 * the lock events of the space's WebSocket, keeping per lock the summary with the highest `rev`
 * (events may arrive out of order). On every (re)connect the list is loaded again, since events
 * sent while away are not replayed. Reconnects with backoff and jitter. Needs only `fetch` and
 * `WebSocket`.
 */
export function watchLocks(options: LockWatchOptions): { close(): void } {
  const locks = new Map<string, LockSummary>();
  const open = options.openSocket ?? ((url: string) => new WebSocket(url));
  let closed = false;
  let socket: WebSocket | null = null;
  let failures = 0;
  let ping: ReturnType<typeof setInterval> | null = null;

  const emit = () => options.onChange([...locks.values()].sort((a, b) => a.name.localeCompare(b.name)));
  const apply = (lock: LockSummary) => {
    const known = locks.get(lock.name);
    if (known && known.rev >= lock.rev) return;
    if (lock.holder || lock.queueLength > 0) locks.set(lock.name, lock);
    else locks.delete(lock.name);
  };

  async function reload(): Promise<void> {
    const res = await fetch(`${options.baseUrl}/api/spaces/${options.spaceId}/locks`, {
      credentials: 'same-origin',
      headers: options.headers ?? {},
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const message = v.is(ErrorBodySchema, json) ? json.message : `HTTP ${res.status}`;
      if ([401, 403, 404].includes(res.status)) stop(message);
      throw new Error(message);
    }
    locks.clear();
    const list = v.parse(LockListResponseSchema, json);
    for (const lock of list.locks) apply(lock);
    if (list.staleAfterDays !== undefined) options.onStaleRule?.(list.staleAfterDays);
    emit();
  }

  function connect(): void {
    if (closed) return;
    const ws = open(`${options.baseUrl.replace(/^http/, 'ws')}/api/spaces/${options.spaceId}/socket`);
    socket = ws;
    ws.addEventListener('message', (event) => {
      let json: unknown;
      try {
        json = JSON.parse(String(event.data));
      } catch {
        return; // the keep-alive answer
      }
      const parsed = v.safeParse(SpaceSocketMessageSchema, json);
      if (!parsed.success) return; // a message type this client does not know
      const message = parsed.output;
      if (message.type === 'hello') {
        failures = 0;
        reload().catch(() => ws.close());
        options.onConnect?.();
      } else if (message.type === 'lock') {
        apply(message.lock);
        emit();
      } else if (message.type === 'notice') {
        options.onNotice?.(message.notice);
      }
    });
    ws.addEventListener('close', () => {
      if (socket === ws) socket = null;
      if (closed) return;
      const delay = Math.min(30_000, 500 * 2 ** failures++) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    });
  }

  function stop(reason: string): void {
    if (closed) return;
    closed = true;
    if (ping) clearInterval(ping);
    socket?.close(1000, 'done');
    options.onStop?.(reason);
  }

  connect();
  ping = setInterval(() => {
    try {
      socket?.send(SOCKET_PING);
    } catch {
      // not open yet; the close handler reconnects
    }
  }, PING_EVERY_MS);
  return { close: () => stop('closed') };
}
