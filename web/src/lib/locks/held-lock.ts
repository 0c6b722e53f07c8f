import * as v from 'valibot';
import { ReleaseResponseSchema, RenewResponseSchema, type LockEventMessage } from '#shared/locks/schemas';
import { LockError, type LockChannel } from './lock-channel';

/** Why a held lock was lost. */
export type LockLossReason = 'expired' | 'broken' | 'refused';

/** A lock this client holds: renewed automatically until released or lost. */
export class HeldLock {
  /** The lease's end as the server said; renewals move it. */
  /** Null for a checkout held until released (L19): nothing to renew, never lost to time. */
  expiresAt: number | null;
  /** Null while held; why it was lost otherwise. Released locks are not "lost". */
  lostReason: LockLossReason | null = null;
  released = false;
  private readonly lossListeners = new Set<(reason: LockLossReason) => void>();
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly channel: LockChannel,
    readonly name: string,
    /** The acquire's request id: a retry with it after a reload answers this grant again (L9). */
    readonly requestId: string,
    readonly token: number,
    expiresAt: number | null,
    private readonly ttlMs: number,
    sentAt: number,
    autoRenew: boolean,
  ) {
    this.expiresAt = expiresAt;
    const listener = (event: LockEventMessage) => {
      if (event.token !== token) return;
      if (event.kind === 'expired') this.lose('expired');
      if (event.kind === 'broken') this.lose('broken');
    };
    channel.listeners.add(listener);
    this.unsubscribe = () => channel.listeners.delete(listener);
    // A checkout has no lease to time or renew (L19).
    if (expiresAt === null) return;
    this.extendLocalDeadline(sentAt);
    if (autoRenew) this.scheduleRenew();
  }

  /** True while the lease is ours (not released, not lost). */
  get held(): boolean {
    return !this.released && this.lostReason === null;
  }

  /** Calls `listener` once if the lock is lost; returns an unsubscribe function. */
  onLost(listener: (reason: LockLossReason) => void): () => void {
    if (this.lostReason) listener(this.lostReason);
    else this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  /** Extends the lease now. Throws LockError; `LOCK_NOT_HELD` also marks the lock lost. */
  async renew(): Promise<void> {
    const sentAt = Date.now();
    try {
      const result = v.parse(
        RenewResponseSchema,
        await this.channel.command({ op: 'renew', token: this.token, ttlMs: this.ttlMs }),
      );
      this.expiresAt = result.expiresAt;
      if (this.held && result.expiresAt !== null) this.extendLocalDeadline(sentAt);
    } catch (error) {
      if (error instanceof LockError && error.code === 'LOCK_NOT_HELD') this.lose('refused');
      throw error;
    }
  }

  /** Releases the lock, with an optional check-in comment (L30). Answers false when it was no longer ours. */
  async release(comment = ''): Promise<boolean> {
    if (!this.held) return false;
    this.stopTimers();
    try {
      const command = comment.trim()
        ? { op: 'release' as const, token: this.token, comment: comment.trim() }
        : { op: 'release' as const, token: this.token };
      v.parse(ReleaseResponseSchema, await this.channel.command(command));
      this.released = true;
      this.unsubscribe();
      return true;
    } catch (error) {
      if (error instanceof LockError && error.code === 'LOCK_NOT_HELD') {
        this.lose('refused');
        return false;
      }
      throw error;
    }
  }

  /** The holder handed it over (L27, over HTTP): it is no longer ours, and was not lost. */
  handedOver(): void {
    if (!this.held) return;
    this.stopTimers();
    this.released = true;
    this.unsubscribe();
  }

  private scheduleRenew(): void {
    this.renewTimer = setTimeout(
      () => {
        if (!this.held) return;
        this.renew().then(
          () => this.held && this.scheduleRenew(),
          () => this.held && this.scheduleRenew(), // a transient failure: try again; the local deadline decides loss
        );
      },
      Math.max(100, Math.floor(this.ttlMs / 3)),
    );
  }

  /** The client's own view of the lease end, timed from when the request was sent: never later than the server's. */
  private extendLocalDeadline(sentAt: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => this.lose('expired'),
      Math.max(0, sentAt + this.ttlMs - Date.now()),
    );
  }

  private lose(reason: LockLossReason): void {
    if (!this.held) return;
    this.lostReason = reason;
    this.stopTimers();
    this.unsubscribe();
    for (const listener of this.lossListeners) listener(reason);
    this.lossListeners.clear();
  }

  private stopTimers(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
  }
}
