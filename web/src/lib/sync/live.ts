import { backoffDelay } from './backoff';
import type { PullResponse } from '#shared/sync/protocol';
import type { LiveSocket, SyncTransport } from './transport';

/** The changes a poke carried (S21): the pull page after `from`. */
export interface CarriedPage {
  from: number;
  page: PullResponse;
}

/**
 * Keeps the space's WebSocket open (S11, S12): pokes go to `onPoke`; every (re)connection calls
 * `onConnected`, because pokes sent while away are not replayed, so the client pulls once.
 * Reconnects with exponential backoff and jitter; the delay resets after a connection opens.
 */
export class LiveChannel {
  connected = false;
  private socket: LiveSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly transport: SyncTransport,
    private readonly spaceId: string,
    private readonly handlers: {
      onPoke(seq: number, carried?: CarriedPage): void;
      onConnected(): void;
      onStatus?(connected: boolean): void;
    },
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Reconnects at once (the network came back), instead of waiting out the backoff. */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  private open(): void {
    try {
      this.socket = this.transport.connect(this.spaceId, {
        onOpen: () => {
          this.attempt = 0;
          this.setConnected(true);
          this.handlers.onConnected();
        },
        onMessage: (message) => {
          if (message.type !== 'poke') return;
          const { seq, from, page } = message;
          this.handlers.onPoke(seq, from !== undefined && page ? { from, page } : undefined);
        },
        onClose: () => {
          this.socket = null;
          this.setConnected(false);
          this.retry();
        },
      });
    } catch {
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), backoffDelay(this.attempt, this.random));
    this.attempt += 1;
  }

  private setConnected(connected: boolean): void {
    this.connected = connected;
    this.handlers.onStatus?.(connected);
  }
}
