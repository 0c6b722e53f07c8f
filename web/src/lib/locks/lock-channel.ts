import * as v from 'valibot';
import { LockSocketServerMessageSchema, type LockEventMessage } from '#shared/locks/schemas';

/** A failed command, with the server's error code (or `UNAVAILABLE` when the socket failed). */
export class LockError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

type Pending = {
  resolve: (result: unknown) => void;
  reject: (error: LockError) => void;
  timer: ReturnType<typeof setTimeout>;
};

/** One lock's WebSocket: commands paired with replies by id, and pushed lock events. Reconnects on demand. */
export class LockChannel {
  private socket: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly listeners = new Set<(event: LockEventMessage) => void>();
  /** Called when the socket closes (a waiter must ask again: the server dropped it from the queue). */
  readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly open: (url: string) => WebSocket,
    private readonly timeoutMs: number,
  ) {}

  async command(command: Record<string, unknown>): Promise<unknown> {
    const ws = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, new LockError('UNAVAILABLE', 'The lock service did not answer in time.')),
        this.timeoutMs,
      );
      this.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ ...command, id }));
      } catch {
        this.settle(id, new LockError('UNAVAILABLE', 'The connection to the lock service closed.'));
      }
    });
  }

  close(): void {
    void this.socket?.then((ws) => ws.close(1000, 'done')).catch(() => {});
    this.socket = null;
  }

  private connect(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    const socket = new Promise<WebSocket>((resolve, reject) => {
      const ws = this.open(this.url);
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('message', (event) => this.onMessage(event.data));
      ws.addEventListener('close', () => {
        if (this.socket === socket) this.socket = null;
        reject(new LockError('UNAVAILABLE', 'Could not connect to the lock service.'));
        for (const id of [...this.pending.keys()])
          this.settle(id, new LockError('UNAVAILABLE', 'The connection to the lock service closed.'));
        for (const listener of this.closeListeners) listener();
      });
    });
    this.socket = socket;
    return socket;
  }

  private onMessage(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = v.safeParse(LockSocketServerMessageSchema, json);
    if (!parsed.success) return; // a newer server's message we do not know
    const message = parsed.output;
    if (message.type === 'lock') {
      for (const listener of this.listeners) listener(message);
    } else if (message.error) {
      this.settle(message.id, new LockError(message.error.code, message.error.message));
    } else {
      this.settle(message.id, message.result);
    }
  }

  private settle(id: number, outcome: unknown): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (outcome instanceof LockError) entry.reject(outcome);
    else entry.resolve(outcome);
  }
}
