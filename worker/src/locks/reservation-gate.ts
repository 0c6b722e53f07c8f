import type { LockHolder } from '#shared/locks/schemas';
import type { ReserveAnswer } from '../space/lock-reservations';

/** The space's side of L22: reserve a lock's name before a free lock is granted, or give it back. */
export interface Reserver {
  reserve(spaceId: string, name: string, rev: number, asker: LockHolder): Promise<ReserveAnswer>;
  unreserve(spaceId: string, name: string, rev: number): Promise<void>;
}

/** What the gate needs to know of the lock at the moment it decides. */
export interface GateView {
  spaceId: string;
  name: string;
  /** Whether nobody holds the lock now (a lease past its end counts as free). */
  free: boolean;
  rev: number;
}

/**
 * L22 for one lock object: a command that may grant a free lock first reserves the lock's name
 * with the space, and such commands run one at a time, so the reservation they rely on cannot be
 * given back by another of them in between. A command on a held lock needs no reservation (the
 * holder's keeps the name reserved, also while the lock passes to the next waiter) and is not
 * held up. The RPC goes from the lock to the space only; the space never calls back inside it.
 */
export class ReservationGate {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly reserver: Reserver) {}

  /**
   * Runs `command` once the lock's name is reserved (when the lock is free), or answers
   * `blocked(answer)` without running it when an overlapping lock holds the place.
   */
  run<T>(
    view: () => GateView,
    asker: LockHolder,
    command: () => Promise<T>,
    blocked: (answer: Extract<ReserveAnswer, { ok: false }>) => T,
  ): Promise<T> {
    if (!view().free) return command();
    const next = this.turn.then(async () => {
      const before = view();
      if (!before.free) return command();
      const answer = await this.reserver.reserve(before.spaceId, before.name, before.rev, asker);
      if (!answer.ok) return blocked(answer);
      try {
        return await command();
      } finally {
        // Nothing was granted (a retry whose grant had ended, or the command failed): the name
        // is free again, and must not stay reserved for a grant that never happened.
        const after = view();
        if (after.free) await this.reserver.unreserve(after.spaceId, after.name, after.rev);
      }
    });
    this.turn = next.catch(() => undefined);
    return next;
  }
}
