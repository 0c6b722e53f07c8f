import type { LockChange, LockState } from '#shared/locks/machine';
import type { LockEventMessage, LockSummary } from '#shared/locks/schemas';
import type { SpaceReporter } from './space-reporter';

const PUSHED_AT_ONCE: ReadonlySet<string> = new Set(['expired', 'broken']);
const PUSHED_AFTER_FENCE: ReadonlySet<string> = new Set(['granted']);

/**
 * Tells a lock's changes to the space (events, notices, the fence: ./space-reporter.ts) and to
 * the lock's own sockets. On those only the party concerned hears: a waiter of its grant (after
 * the fence has it, L11), a holder of its lease's expiry or break. Everything else is on the
 * space's socket.
 */
export class LockAnnouncer {
  constructor(
    private readonly reporter: SpaceReporter,
    private readonly pushTo: (connId: string, text: string) => void,
    private readonly snapshot: () => LockSummary,
  ) {}

  /** Hands `changes` to the space and the sockets; resolves once a grant among them is fenced. */
  report(changes: LockChange[]): Promise<void> {
    const summary = this.snapshot();
    const events: LockEventMessage[] = changes.map((c) => ({
      type: 'lock',
      kind: c.kind,
      at: c.at,
      requestId: c.requestId,
      token: c.token,
      via: c.via,
      lock: summary,
    }));
    const push = (kinds: ReadonlySet<string>) => {
      for (const [i, change] of changes.entries()) {
        if (change.connId && kinds.has(change.kind)) this.pushTo(change.connId, JSON.stringify(events[i]));
      }
    };
    push(PUSHED_AT_ONCE);
    return this.reporter.report(changes, events).then(() => push(PUSHED_AFTER_FENCE));
  }

  /**
   * A grant whose fence report failed (or whose acknowledgement was forgotten in an eviction) is
   * recorded again on the next command or alarm, and only then pushed to its holder (L11).
   */
  refence(holder: LockState['holder']): Promise<void> {
    if (!holder || this.reporter.fenced(holder.token)) return Promise.resolve();
    return this.reporter.fence(holder.token, holder.owner.userId).then(() => {
      if (!holder.connId) return;
      const event: LockEventMessage = {
        type: 'lock',
        kind: 'granted',
        at: holder.grantedAt,
        requestId: holder.requestId,
        token: holder.token,
        via: holder.via,
        lock: this.snapshot(),
      };
      this.pushTo(holder.connId, JSON.stringify(event));
    });
  }
}
