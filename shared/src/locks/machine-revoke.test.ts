import { describe, expect, it } from 'vitest';
import { LOCK_HTTP_WAITER_QUIET_MS } from './limits';
import { ALICE, BOB, CAROL, newMachine, restart } from '../../testing/locks';

const acquire = (requestId: string, owner = ALICE, extra: { waitMs?: number; connId?: string } = {}) => ({
  requestId,
  owner,
  kind: 'lease' as const,
  via: 'app' as const,
  ttlMs: 3_600_000,
  waitMs: extra.waitMs ?? 0,
  connId: extra.connId ?? null,
});

describe('LockMachine: waiters nobody is behind any more', () => {
  it('[L14] an HTTP waiter that stopped asking is passed over; one that keeps asking is granted', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-001', BOB, { waitMs: 600_000 }));
    machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 600_000 }));
    machine.drain();
    // Carol asks again (the same request, L9) within every quiet period; Bob never does.
    for (let waited = 0; waited < 2 * LOCK_HTTP_WAITER_QUIET_MS; waited += LOCK_HTTP_WAITER_QUIET_MS / 2) {
      clock.advance(LOCK_HTTP_WAITER_QUIET_MS / 2);
      expect(machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 600_000 }))).toMatchObject({
        status: 'queued',
      });
    }
    const token = machine.state.holder!.token;
    expect(machine.release({ token, userId: ALICE.userId })).toEqual({ status: 'released', token });
    expect(machine.state.holder?.owner).toEqual(CAROL);
    const changes = machine.drain();
    expect(changes.find((c) => c.kind === 'left_queue')).toMatchObject({
      requestId: 'req-bob-001',
      detail: 'stopped asking',
    });
    expect(changes.filter((c) => c.kind === 'granted').map((c) => c.actor)).toEqual([CAROL]);
  });

  it('[L14] the last time an HTTP waiter asked survives a restart', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-001', BOB, { waitMs: 600_000 }));
    clock.advance(LOCK_HTTP_WAITER_QUIET_MS - 1_000);
    machine.acquire(acquire('req-bob-001', BOB, { waitMs: 600_000 }));
    const restarted = restart(machine, clock);
    clock.advance(2_000);
    restarted.release({ token: 1, userId: ALICE.userId });
    expect(restarted.state.holder?.owner).toEqual(BOB);
  });

  it('[L14] waiters whose sockets were lost in a restart leave before the lease end is applied', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-001', BOB, { waitMs: 4_000_000, connId: 'dead' }));
    machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 4_000_000, connId: 'live' }));
    const restarted = restart(machine, clock);
    clock.advance(3_600_000); // the lease ran out while the server was down
    restarted.dropConnections(new Set(['dead']));
    restarted.tick();
    expect(restarted.state.holder?.owner).toEqual(CAROL);
    expect(restarted.drain().find((c) => c.kind === 'left_queue')).toMatchObject({
      requestId: 'req-bob-001',
      detail: 'its connection was lost in a restart',
    });
  });

  it('[L13] evicting a member removes their waiters first, then ends their lease and grants the next', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-alice-2', ALICE, { waitMs: 60_000 }));
    machine.acquire(acquire('req-bob-001', BOB, { waitMs: 60_000 }));
    machine.drain();
    expect(machine.evict({ userId: ALICE.userId, detail: 'alice is no longer an editor' })).toEqual({
      left: 1,
      endedToken: 1,
    });
    expect(machine.state.holder).toMatchObject({ owner: BOB, token: 2 });
    expect(machine.drain().map((c) => [c.kind, c.actor?.username, c.detail])).toEqual([
      ['left_queue', 'alice', 'alice is no longer an editor'],
      ['broken', 'alice', 'alice is no longer an editor'],
      ['granted', 'bob', 'lease of 3600000 ms'],
    ]);
  });
});
