import { LockMachine, type Ask } from './machine';
import type { LockOwner } from './schemas';

/** The answer to an ask (L21): told to the holder, or nothing to ask (free, or yours). */
export type AskOutcome = { status: 'asked'; holder: LockOwner } | { status: 'free' | 'yours' };
/** The answer to "5 more minutes" and to a hand-over: done, not the holder, or no such ask. */
export type HolderOutcome =
  { status: 'done'; token: number } | { status: 'not_held' } | { status: 'not_asked' };
/** The answer to a watch (L23). */
export type WatchOutcome = { status: 'watching' | 'not_watching' | 'free' };

/**
 * The lock machine with the people around a check-out (rules L21–L23): asking the holder to
 * release, the holder's answer or hand-over, and being told once when it is free. Pure and
 * synchronous like {@link LockMachine}; personal notices ride on the changes (`notify`).
 */
export class CourtesyLockMachine extends LockMachine {
  /** Asks the holder to release, with an optional message; a second ask replaces the first (L21). */
  ask(input: { owner: LockOwner; message: string }): AskOutcome {
    this.tick();
    const holder = this.state.holder;
    if (!holder) return { status: 'free' };
    if (holder.owner.userId === input.owner.userId) return { status: 'yours' };
    const now = this.clock.now();
    const ask: Ask = { owner: input.owner, message: input.message, at: now, answeredAt: null };
    this.state.asks = [...this.state.asks.filter((a) => a.owner.userId !== input.owner.userId), ask];
    const change = this.record('asked', now, holder, null, input.owner, input.message, null);
    change.notify = {
      userIds: [holder.owner.userId],
      kind: 'asked',
      from: input.owner.username,
      message: input.message,
      askerId: input.owner.userId,
    };
    return { status: 'asked', holder: holder.owner };
  }

  /** The holder answers an ask: "`minutes` more minutes", told to the asker (L21). */
  answer(input: { token: number; userId: string; to: string; minutes: number }): HolderOutcome {
    this.tick();
    const holder = this.currentLease(input.token, input.userId);
    if (!holder) return { status: 'not_held' };
    const ask = this.state.asks.find((a) => a.owner.userId === input.to);
    if (!ask) return { status: 'not_asked' };
    const now = this.clock.now();
    ask.answeredAt = now;
    const words = input.minutes === 1 ? '1 more minute' : `${input.minutes} more minutes`;
    const change = this.record(
      'answered',
      now,
      holder,
      null,
      holder.owner,
      `to ${ask.owner.username}: ${words}`,
      null,
    );
    change.notify = {
      userIds: [ask.owner.userId],
      kind: 'answered',
      from: holder.owner.username,
      message: words,
    };
    return { status: 'done', token: holder.token };
  }

  /**
   * The holder hands the lock to someone who asked for it (L22): a release (with the check-in
   * comment, L25) and at once a checkout for the asker, ahead of the line — the holder's choice.
   * The asker's device takes it up by the grant's request id, which only the asker is told.
   */
  handOver(input: { token: number; userId: string; to: string; comment: string }): HolderOutcome {
    this.tick();
    const holder = this.currentLease(input.token, input.userId);
    if (!holder) return { status: 'not_held' };
    const ask = this.state.asks.find((a) => a.owner.userId === input.to);
    if (!ask) return { status: 'not_asked' };
    const now = this.clock.now();
    this.state.watchers = this.state.watchers.filter((w) => w.userId !== ask.owner.userId);
    this.state.holder = null;
    const detail = `handed over to ${ask.owner.username}${input.comment ? `: ${input.comment}` : ''}`;
    this.record('released', now, holder, holder.requestId, holder.owner, detail, null);
    const requestId = `handover-${holder.token + 1}`;
    const lease = this.grant(
      { requestId, owner: ask.owner, kind: 'checkout', via: 'app', ttlMs: null, connId: null },
      now,
      false,
    );
    const granted = this.changes.at(-1);
    if (granted) {
      granted.notify = {
        userIds: [ask.owner.userId],
        kind: 'granted',
        from: holder.owner.username,
        message: input.comment,
        requestId,
        token: lease.token,
      };
    }
    return { status: 'done', token: lease.token };
  }

  /** Be told once when the current grant ends, without joining the line (L23); `notify: false` stops. */
  watch(input: { owner: LockOwner; notify: boolean }): WatchOutcome {
    this.tick();
    const others = this.state.watchers.filter((w) => w.userId !== input.owner.userId);
    if (!input.notify) {
      if (others.length !== this.state.watchers.length) this.dirty = true;
      this.state.watchers = others;
      return { status: 'not_watching' };
    }
    if (!this.state.holder) return { status: 'free' };
    this.state.watchers = [...others, input.owner];
    this.dirty = true;
    return { status: 'watching' };
  }
}
