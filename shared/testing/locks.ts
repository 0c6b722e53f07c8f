import { emptyLockState, LockMachine, type LockState } from '#shared/locks/machine';
import type { LockOwner } from '#shared/locks/schemas';

/** A clock that moves only when a test says so. */
export class FakeClock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Test users. */
export const ALICE: LockOwner = { userId: 'u-alice', username: 'alice' };
export const BOB: LockOwner = { userId: 'u-bob', username: 'bob' };
export const CAROL: LockOwner = { userId: 'u-carol', username: 'carol' };

/** A fresh machine on a fake clock. */
export function newMachine(state: LockState = emptyLockState()): { machine: LockMachine; clock: FakeClock } {
  const clock = new FakeClock();
  return { machine: new LockMachine(state, clock), clock };
}

/** The state after a crash: only what was persisted (a JSON round trip) survives. */
export function restart(machine: LockMachine, clock: FakeClock): LockMachine {
  return new LockMachine(JSON.parse(JSON.stringify(machine.state)) as LockState, clock);
}
