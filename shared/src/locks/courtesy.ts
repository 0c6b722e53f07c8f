import type { Ask, Lease } from './lock-state';
import { LockMachine } from './machine';
import { askOverdue, DAY_MS, isStale } from './stale';
import type { LockOwner } from './schemas';

/** The answer to an ask (L26): told to the holder, or nothing to ask (free, or yours). */
export type AskOutcome = { status: 'asked'; holder: LockOwner } | { status: 'free' | 'yours' };
/** The answer to "5 more minutes" and to a hand-over: done, not the holder, or no such ask. */
export type HolderOutcome =
  { status: 'done'; token: number } | { status: 'not_held' } | { status: 'not_asked' };
/** The answer to taking a stale checkout (L31). */
export type StaleOutcome =
  { status: 'done'; token: number } | { status: 'not_held' | 'yours' | 'not_stale' | 'not_asked' };
/** The answer to a watch (L28). */
export type WatchOutcome = { status: 'watching' | 'not_watching' | 'free' };

/**
 * The lock machine with the people around a check-out (rules L26–L28): asking the holder to
 * release, the holder's answer or hand-over, and being told once when it is free. Pure and
 * synchronous like {@link LockMachine}; personal notices ride on the changes (`notify`).
 */
export class CourtesyLockMachine extends LockMachine {
  /** Asks the holder to release, with an optional message; a second ask replaces the first (L26). */
  ask(input: { owner: LockOwner; message: string }): AskOutcome {
    this.tick();
    const holder = this.state.holder;
    if (!holder) return { status: 'free' };
    if (holder.owner.userId === input.owner.userId) return { status: 'yours' };
    const now = this.clock.now();
    const ask: Ask = { owner: input.owner, message: input.message, at: now, answeredAt: null };
    this.state.asks = [...this.state.asks.filter((a) => a.owner.userId !== input.owner.userId), ask];
    const change = this.record({
      kind: 'asked',
      at: now,
      about: holder,
      actor: input.owner,
      detail: input.message,
    });
    change.notify = {
      userIds: [holder.owner.userId],
      kind: 'asked',
      from: input.owner.username,
      message: input.message,
      askerId: input.owner.userId,
    };
    return { status: 'asked', holder: holder.owner };
  }

  /** The holder answers an ask: "`minutes` more minutes", told to the asker (L26). */
  answer(input: { token: number; userId: string; to: string; minutes: number }): HolderOutcome {
    const found = this.holderAndAsk(input);
    if ('status' in found) return found;
    const { holder, ask } = found;
    const now = this.clock.now();
    ask.answeredAt = now;
    const words = input.minutes === 1 ? '1 more minute' : `${input.minutes} more minutes`;
    const change = this.record({
      kind: 'answered',
      at: now,
      about: holder,
      actor: holder.owner,
      detail: `to ${ask.owner.username}: ${words}`,
    });
    change.notify = {
      userIds: [ask.owner.userId],
      kind: 'answered',
      from: holder.owner.username,
      message: words,
    };
    return { status: 'done', token: holder.token };
  }

  /**
   * The holder hands the lock to someone who asked for it (L27): a release (with the check-in
   * comment, L30) and at once a checkout for the asker, ahead of the line — the holder's choice.
   * The asker's device takes it up by the grant's request id, which only the asker is told.
   */
  handOver(input: { token: number; userId: string; to: string; comment: string }): HolderOutcome {
    const found = this.holderAndAsk(input);
    if ('status' in found) return found;
    const { holder, ask } = found;
    const now = this.clock.now();
    this.forgetWatcher(ask.owner.userId);
    this.state.holder = null;
    const detail = `handed over to ${ask.owner.username}${input.comment ? `: ${input.comment}` : ''}`;
    this.record({
      kind: 'released',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: holder.owner,
      detail,
    });
    return {
      status: 'done',
      token: this.giveTo(ask.owner, 'handover', holder.owner.username, input.comment),
    };
  }

  /**
   * Someone whose ask went unanswered for 24 hours takes a checkout that saw
   * no activity for `staleAfterMs` (L31): the holder's grant is broken (told to them) and the asker
   * gets a checkout. Activity is the grant itself or the space's last fenced write (`activeAt`).
   */
  takeStale(input: { owner: LockOwner; staleAfterMs: number; activeAt: number | null }): StaleOutcome {
    this.tick();
    const holder = this.state.holder;
    if (!holder) return { status: 'not_held' };
    if (holder.owner.userId === input.owner.userId) return { status: 'yours' };
    const now = this.clock.now();
    if (!isStale(holder, input.activeAt, input.staleAfterMs, now)) return { status: 'not_stale' };
    const ask = this.state.asks.find((a) => a.owner.userId === input.owner.userId);
    if (!ask || !askOverdue({ at: ask.at, answered: ask.answeredAt !== null }, now))
      return { status: 'not_asked' };
    const days = Math.floor((now - Math.max(holder.grantedAt, input.activeAt ?? 0)) / DAY_MS);
    const why = `no activity for ${days === 1 ? '1 day' : `${days} days`} and no answer to ${input.owner.username}'s ask`;
    this.forgetWatcher(input.owner.userId);
    this.state.holder = null;
    const change = this.record({
      kind: 'broken',
      at: now,
      about: holder,
      requestId: holder.requestId,
      actor: input.owner,
      detail: `took the stale checkout of ${holder.owner.username}: ${why}`,
      connId: holder.connId,
    });
    change.notify = {
      userIds: [holder.owner.userId],
      kind: 'taken',
      from: input.owner.username,
      message: why,
    };
    return { status: 'done', token: this.giveTo(input.owner, 'stale', null, '') };
  }

  /** The holder's lease (for that token and user) and the ask of `to`, or why there is none. */
  private holderAndAsk(input: {
    token: number;
    userId: string;
    to: string;
  }): { holder: Lease; ask: Ask } | { status: 'not_held' | 'not_asked' } {
    this.tick();
    const holder = this.currentLease(input.token, input.userId);
    if (!holder) return { status: 'not_held' };
    const ask = this.state.asks.find((a) => a.owner.userId === input.to);
    return ask ? { holder, ask } : { status: 'not_asked' };
  }

  /** The person about to get the lock is no longer told it is free (they get it instead). */
  private forgetWatcher(userId: string): void {
    this.state.watchers = this.state.watchers.filter((w) => w.userId !== userId);
  }

  /** Grants `owner` a checkout ahead of the line and tells them (L27, L31); answers its token. */
  private giveTo(owner: LockOwner, why: 'handover' | 'stale', from: string | null, message: string): number {
    const requestId = `${why}-${this.state.lastToken + 1}`;
    const lease = this.grant(
      { requestId, owner, kind: 'checkout', via: 'app', ttlMs: null, connId: null },
      this.clock.now(),
    );
    const granted = this.changes.at(-1);
    if (granted) {
      granted.notify = {
        userIds: [owner.userId],
        kind: 'granted',
        from,
        message,
        requestId,
        token: lease.token,
      };
    }
    return lease.token;
  }

  /** Be told once when the current grant ends, without joining the line (L28); `notify: false` stops. */
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
