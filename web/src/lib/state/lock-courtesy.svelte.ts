import { SvelteSet } from 'svelte/reactivity';
import { STALE_DAYS_DEFAULT } from '#shared/notices/schemas';
import { answerAsk, askToRelease, handOver, setStaleRule, takeStale, watchLock } from '../api/notices';
import { personName } from './lock-words';

/** What the courtesy actions need from the space's lock state. */
export interface CourtesyHost {
  readonly spaceId: string;
  error: string;
  /** The token of the caller's grant of `name`, if the caller holds it. */
  tokenOf(name: string): number | null;
  /** The caller's grant of `name` ended here (handed over): forget it on this device. */
  handedOver(name: string): void;
}

/**
 * The people around a check-out, from this tab (docs/spec/locks.md L26–L28): ask the holder to
 * release, answer an ask with more time, hand over to whoever asked, be told when it is free.
 */
export class LockCourtesy {
  /** Locks this tab asked to be told about when free ("Notify me"). */
  readonly watching = new SvelteSet<string>();
  /** Locks this tab asked the holder for, with what it answered. */
  readonly asked = new SvelteSet<string>();
  /** The space's stale rule: a checkout without activity for this many days is stale (L31). */
  staleAfterDays = $state(STALE_DAYS_DEFAULT);

  constructor(private readonly host: CourtesyHost) {}

  async ask(name: string, message: string): Promise<boolean> {
    return this.#try('Could not send the ask.', async () => {
      await askToRelease(this.host.spaceId, name, message);
      this.asked.add(name);
    });
  }

  async answer(name: string, to: string, minutes: number): Promise<boolean> {
    const token = this.host.tokenOf(name);
    if (token === null) return false;
    return this.#try('Could not answer.', () => answerAsk(this.host.spaceId, name, { token, to, minutes }));
  }

  async handOver(name: string, to: string, comment = ''): Promise<boolean> {
    const token = this.host.tokenOf(name);
    if (token === null) return false;
    return this.#try('Could not hand it over.', async () => {
      await handOver(this.host.spaceId, name, {
        token,
        to,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      this.host.handedOver(name);
    });
  }

  /** "Notify me" when `name` is free, or stop. */
  async notifyMe(name: string, on: boolean): Promise<boolean> {
    return this.#try('Could not change the notification.', async () => {
      const answer = await watchLock(this.host.spaceId, name, on);
      if (answer.status === 'watching') this.watching.add(name);
      else this.watching.delete(name);
      if (answer.status === 'free') this.host.error = 'It is free now: check it out.';
    });
  }

  /** Takes a stale checkout after this person's ask went unanswered for 24 hours (L31). */
  async takeStale(name: string): Promise<boolean> {
    return this.#try('Could not take it.', () => takeStale(this.host.spaceId, name));
  }

  /** Sets the space's stale rule (owners, L31). */
  async setStaleRule(days: number): Promise<boolean> {
    return this.#try('Could not save the rule.', async () => {
      await setStaleRule(this.host.spaceId, days);
      this.staleAfterDays = days;
    });
  }

  /** A notice about `name` came (free, granted): this tab's wishes about it are fulfilled. */
  settled(name: string): void {
    this.watching.delete(name);
    this.asked.delete(name);
  }

  async #try(fallback: string, action: () => Promise<unknown>): Promise<boolean> {
    this.host.error = '';
    try {
      await action();
      return true;
    } catch (error) {
      this.host.error = error instanceof Error ? error.message : fallback;
      return false;
    }
  }
}

/** "bob asks you to release it" for the holder's list of asks. */
export function askLine(ask: { userId: string; username: string; answered: boolean }): string {
  return `${personName(ask)} ${ask.answered ? 'asked for it (you answered)' : 'asks you to release it'}`;
}
