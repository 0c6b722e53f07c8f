import * as v from 'valibot';
import {
  PRESENCE_EXPIRY_MS,
  PRESENCE_REFRESH_MS,
  SpaceSocketMessageSchema,
  type PresenceState,
  type PresenceUpdate,
} from '#shared/socket';
import { backoffDelay } from './backoff';

/** Someone else who has the item open, as the space's socket last said. */
export interface Present {
  connId: string;
  username: string;
  state: PresenceState;
  at: number;
}

/**
 * Presence on one item (S26): tells the space's other sockets that this tab has the item open
 * or is typing in it, and follows who else does. Its own socket, opened while the item is on
 * screen; reconnects with backoff; nothing of it is stored anywhere.
 */
export class PresenceChannel {
  private ws: WebSocket | null = null;
  private state: PresenceState = 'viewing';
  private readonly others = new Map<string, Present>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private stopped = false;

  constructor(
    private readonly spaceId: string,
    private readonly itemId: string,
    private readonly onChange: (people: Present[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): this {
    this.open();
    this.timer = setInterval(() => {
      this.send();
      this.expire();
    }, PRESENCE_REFRESH_MS);
    return this;
  }

  /** The person typed (`editing`) or stopped (`viewing`). */
  set(state: PresenceState): void {
    if (state === this.state) return;
    this.state = state;
    this.send();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.send(null);
    this.ws?.close();
    this.ws = null;
  }

  private open(): void {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/spaces/${this.spaceId}/socket`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.attempt = 0;
      this.send();
    });
    ws.addEventListener('message', (event) => this.receive(event.data));
    ws.addEventListener('close', () => {
      if (this.ws === ws) this.ws = null;
      this.others.clear();
      this.onChange([]);
      if (this.stopped) return;
      this.retry = setTimeout(() => this.open(), backoffDelay(this.attempt++));
    });
  }

  private send(itemId: string | null = this.itemId): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    const update: PresenceUpdate = { type: 'presence', itemId, state: this.state };
    this.ws.send(JSON.stringify(update));
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string' || data === 'pong') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = v.safeParse(SpaceSocketMessageSchema, json);
    if (!parsed.success) return;
    const message = parsed.output;
    if (message.type === 'hello') {
      // Someone who connected before us learns of us only when we speak: say it again soon.
      this.send();
      return;
    }
    if (message.type !== 'presence') return;
    if (message.itemId === this.itemId) {
      const known = this.others.has(message.connId);
      this.others.set(message.connId, { ...message, at: this.now() });
      // A newcomer: answer, so it sees us without waiting for the next refresh.
      if (!known) this.send();
    } else this.others.delete(message.connId);
    this.publish();
  }

  private expire(): void {
    const before = this.others.size;
    for (const [connId, present] of this.others) {
      if (this.now() - present.at > PRESENCE_EXPIRY_MS) this.others.delete(connId);
    }
    if (this.others.size !== before) this.publish();
  }

  private publish(): void {
    this.onChange([...this.others.values()]);
  }
}
