import { describe, expect, it } from 'vitest';
import { LOCK_TTL_MAX_MS } from './limits';
import type { LockKind, LockVia } from './schemas';
import { ALICE, BOB, CAROL, newMachine, restart } from '../../testing/locks';

const acquire = (
  requestId: string,
  owner = ALICE,
  extra: { ttlMs?: number; waitMs?: number; connId?: string; kind?: LockKind; via?: LockVia } = {},
) => ({
  requestId,
  owner,
  kind: extra.kind ?? 'lease',
  via: extra.via ?? 'app',
  ttlMs: extra.ttlMs ?? 10_000,
  waitMs: extra.waitMs ?? 0,
  connId: extra.connId ?? null,
});

describe('LockMachine', () => {
  it('[L1][L2] grants a free lock with a token and expiry, and answers busy to the next caller', () => {
    const { machine, clock } = newMachine();
    const a = machine.acquire(acquire('req-alice-1'));
    expect(a).toEqual({
      status: 'granted',
      requestId: 'req-alice-1',
      token: 1,
      expiresAt: clock.now() + 10_000,
    });
    const b = machine.acquire(acquire('req-bob-01', BOB));
    expect(b).toMatchObject({
      status: 'busy',
      holder: { userId: ALICE.userId, token: 1 },
      expiresAt: clock.now() + 10_000,
    });
    expect(machine.state.holder?.owner).toEqual(ALICE);
  });

  it('[L2][L7] a caller that asks to wait is queued with its position', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    expect(machine.acquire(acquire('req-bob-01', BOB, { waitMs: 5_000 }))).toEqual({
      status: 'queued',
      requestId: 'req-bob-01',
      position: 1,
    });
    expect(machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 5_000 }))).toEqual({
      status: 'queued',
      requestId: 'req-carol-1',
      position: 2,
    });
  });

  it('[L3] tokens strictly increase with every grant, also after a restart', () => {
    const { machine, clock } = newMachine();
    const tokens: number[] = [];
    let m = machine;
    for (let i = 0; i < 5; i++) {
      const r = m.acquire(acquire(`req-loop-${i}`));
      if (r.status !== 'granted') throw new Error('expected a grant');
      tokens.push(r.token);
      m.release({ token: r.token, userId: ALICE.userId });
      m = restart(m, clock);
    }
    expect(tokens).toEqual([1, 2, 3, 4, 5]);
  });

  it('[L4] renew extends the lease only for the holder with the current token', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    clock.advance(5_000);
    expect(machine.renew({ token: 2, userId: ALICE.userId, ttlMs: undefined })).toEqual({
      status: 'not_held',
    });
    expect(machine.renew({ token: 1, userId: BOB.userId, ttlMs: undefined })).toEqual({ status: 'not_held' });
    expect(machine.renew({ token: 1, userId: ALICE.userId, ttlMs: undefined })).toEqual({
      status: 'renewed',
      token: 1,
      expiresAt: clock.now() + 10_000,
    });
    expect(machine.renew({ token: 1, userId: ALICE.userId, ttlMs: 2_000 })).toEqual({
      status: 'renewed',
      token: 1,
      expiresAt: clock.now() + 2_000,
    });
  });

  it('[L4][L6] a lease that ran out cannot be renewed', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    clock.advance(10_000);
    expect(machine.renew({ token: 1, userId: ALICE.userId, ttlMs: undefined })).toEqual({
      status: 'not_held',
    });
    expect(machine.drain().map((c) => c.kind)).toEqual(['granted', 'expired']);
  });

  it('[L5] only the holder with its token releases; anyone else is refused', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    expect(machine.release({ token: 1, userId: BOB.userId })).toEqual({ status: 'not_held' });
    expect(machine.release({ token: 7, userId: ALICE.userId })).toEqual({ status: 'not_held' });
    expect(machine.state.holder?.token).toBe(1);
    expect(machine.release({ token: 1, userId: ALICE.userId })).toEqual({ status: 'released', token: 1 });
    expect(machine.state.holder).toBeNull();
    expect(machine.release({ token: 1, userId: ALICE.userId })).toEqual({ status: 'not_held' });
  });

  it('[L6] an expired lease frees the lock on the next request and the next waiter is granted', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000, connId: 'conn-bob' }));
    expect(machine.nextDeadline()).toBe(clock.now() + 10_000);
    clock.advance(10_000);
    machine.tick();
    expect(machine.state.holder).toMatchObject({
      token: 2,
      owner: BOB,
      requestId: 'req-bob-01',
      connId: 'conn-bob',
    });
    const changes = machine.drain().map((c) => [c.kind, c.token, c.connId]);
    expect(changes).toEqual([
      ['granted', 1, null],
      ['queued', null, 'conn-bob'],
      ['expired', 1, null],
      ['granted', 2, 'conn-bob'],
    ]);
    // Bob's retry learns of the grant (L9).
    expect(machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000 }))).toMatchObject({
      status: 'granted',
      token: 2,
    });
  });

  it('[L7] waiters are served first come, first served', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000 }));
    machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 60_000 }));
    machine.release({ token: 1, userId: ALICE.userId });
    expect(machine.state.holder?.owner).toEqual(BOB);
    machine.release({ token: 2, userId: BOB.userId });
    expect(machine.state.holder?.owner).toEqual(CAROL);
    expect(machine.state.holder?.token).toBe(3);
  });

  it('[L7] a waiter that times out, cancels or disconnects leaves the queue', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1', ALICE, { ttlMs: 60_000 }));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 1_000 }));
    machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 60_000, connId: 'c1' }));
    machine.acquire(acquire('req-bob-02', BOB, { waitMs: 60_000 }));
    machine.acquire(acquire('req-alice-2', ALICE, { waitMs: 60_000 }));
    clock.advance(1_000);
    machine.tick();
    expect(machine.state.queue.map((w) => w.requestId)).toEqual(['req-carol-1', 'req-bob-02', 'req-alice-2']);
    machine.disconnect('c1');
    expect(machine.cancel({ requestId: 'req-bob-02', userId: CAROL.userId })).toEqual({
      status: 'not_queued',
    });
    expect(machine.cancel({ requestId: 'req-bob-02', userId: BOB.userId })).toEqual({ status: 'cancelled' });
    expect(machine.state.queue.map((w) => w.requestId)).toEqual(['req-alice-2']);
    const left = machine
      .drain()
      .filter((c) => c.kind === 'left_queue')
      .map((c) => [c.requestId, c.detail]);
    expect(left).toEqual([
      ['req-bob-01', 'timed out'],
      ['req-carol-1', 'disconnected'],
      ['req-bob-02', 'cancelled'],
    ]);
  });

  it('[L8] a break ends the lease, records who broke it, and grants the next waiter', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1'));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000 }));
    expect(machine.breakLock({ by: CAROL, reason: 'stuck' })).toMatchObject({
      status: 'broken',
      token: 1,
      holder: { userId: ALICE.userId },
    });
    const broken = machine.drain().find((c) => c.kind === 'broken');
    expect(broken).toMatchObject({ actor: CAROL, token: 1, detail: 'broke the lease of alice: stuck' });
    expect(machine.state.holder).toMatchObject({ owner: BOB, token: 2 });
    expect(machine.release({ token: 1, userId: ALICE.userId })).toEqual({ status: 'not_held' });
  });

  it('[L8] breaking a free lock changes nothing', () => {
    const { machine } = newMachine();
    expect(machine.breakLock({ by: CAROL, reason: '' })).toEqual({ status: 'not_held' });
    expect(machine.drain()).toEqual([]);
  });

  it('[L9] a retried acquire never makes a second grant or queue entry', () => {
    const { machine } = newMachine();
    const first = machine.acquire(acquire('req-alice-1'));
    expect(machine.acquire(acquire('req-alice-1'))).toEqual(first);
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000 }));
    expect(machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000 }))).toEqual({
      status: 'queued',
      requestId: 'req-bob-01',
      position: 1,
    });
    expect(machine.state.queue).toHaveLength(1);
    machine.release({ token: 1, userId: ALICE.userId });
    // Alice's grant ended; her late retry is told so instead of getting the lock again.
    expect(machine.acquire(acquire('req-alice-1'))).toEqual({
      status: 'ended',
      requestId: 'req-alice-1',
      token: 1,
    });
    expect(machine.state.lastToken).toBe(2);
  });

  it('[L9] a retry from a new socket moves the pushes there, without a history line', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-alice-1', ALICE, { connId: 'old-a' }));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000, connId: 'old-b' }));
    machine.drain();
    machine.acquire(acquire('req-alice-1', ALICE, { connId: 'new-a' }));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 60_000, connId: 'new-b' }));
    expect(machine.dirty).toBe(true);
    expect(machine.drain()).toEqual([]);
    expect(machine.state.holder?.connId).toBe('new-a');
    expect(machine.state.queue[0]?.connId).toBe('new-b');
  });

  it('[L9] a request id is scoped to its user', () => {
    const { machine } = newMachine();
    machine.acquire(acquire('req-shared'));
    expect(machine.acquire(acquire('req-shared', BOB))).toMatchObject({ status: 'busy' });
  });

  it('[L10] every grant, renewal, release, expiry and break becomes a change', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-1-aaaa'));
    machine.renew({ token: 1, userId: ALICE.userId, ttlMs: undefined });
    machine.release({ token: 1, userId: ALICE.userId });
    machine.acquire(acquire('req-2-aaaa'));
    clock.advance(10_000);
    machine.tick();
    machine.acquire(acquire('req-3-aaaa'));
    machine.breakLock({ by: BOB, reason: '' });
    expect(machine.drain().map((c) => `${c.kind}:${c.token}`)).toEqual([
      'granted:1',
      'renewed:1',
      'released:1',
      'granted:2',
      'expired:2',
      'granted:3',
      'broken:3',
    ]);
    expect(machine.state.rev).toBe(7);
  });

  it('[L19] a checkout has no expiry: held past the longest lease without renewal, until released', () => {
    const { machine, clock } = newMachine();
    expect(machine.acquire(acquire('req-alice-1', ALICE, { kind: 'checkout' }))).toEqual({
      status: 'granted',
      requestId: 'req-alice-1',
      token: 1,
      expiresAt: null,
    });
    expect(machine.nextDeadline()).toBeNull();
    clock.advance(LOCK_TTL_MAX_MS * 24);
    machine.tick();
    machine.disconnect('any-socket');
    expect(machine.acquire(acquire('req-bob-01', BOB))).toMatchObject({
      status: 'busy',
      holder: { username: 'alice', kind: 'checkout', expiresAt: null },
      expiresAt: null,
    });
    expect(machine.state.holder?.token).toBe(1);
    // Renewing has nothing to extend and changes nothing; a stale token is still refused.
    machine.drain();
    expect(machine.renew({ token: 1, userId: ALICE.userId, ttlMs: 5_000 })).toEqual({
      status: 'renewed',
      token: 1,
      expiresAt: null,
    });
    expect(machine.drain()).toEqual([]);
    expect(machine.renew({ token: 1, userId: BOB.userId, ttlMs: undefined })).toEqual({ status: 'not_held' });
    expect(machine.release({ token: 1, userId: ALICE.userId })).toEqual({ status: 'released', token: 1 });
    expect(machine.state.holder).toBeNull();
  });

  it('[L19] waiters for a checkout are served first come, first served, and an owner breaks it', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1', ALICE, { kind: 'checkout' }));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 600_000, kind: 'checkout', connId: 'b' }));
    machine.acquire(acquire('req-carol-1', CAROL, { waitMs: 600_000, ttlMs: 5_000, connId: 'c' }));
    clock.advance(1_000);
    const broken = machine.breakLock({ by: CAROL, reason: 'on holiday' });
    expect(broken).toMatchObject({ status: 'broken', token: 1, holder: { username: 'alice' } });
    expect(machine.state.holder).toMatchObject({ token: 2, owner: BOB, kind: 'checkout', expiresAt: null });
    expect(machine.drain().find((c) => c.kind === 'broken')?.detail).toBe(
      'broke the checkout of alice: on holiday',
    );
    machine.release({ token: 2, userId: BOB.userId });
    expect(machine.state.holder).toMatchObject({ token: 3, owner: CAROL, kind: 'lease' });
    expect(machine.state.holder?.expiresAt).toBe(clock.now() + 5_000);
  });

  it('[L20] a grant keeps the front it came in on, through the queue, in its changes and its holder', () => {
    const { machine, clock } = newMachine();
    machine.acquire(acquire('req-alice-1', ALICE, { via: 'git-lfs', kind: 'checkout' }));
    machine.acquire(acquire('req-bob-01', BOB, { via: 'webdav', waitMs: 5_000 }));
    machine.release({ token: 1, userId: ALICE.userId });
    clock.advance(10_000);
    machine.tick();
    expect(machine.drain().map((c) => `${c.kind}:${c.actor?.username}:${c.via}`)).toEqual([
      'granted:alice:git-lfs',
      'queued:bob:webdav',
      'released:alice:git-lfs',
      'granted:bob:webdav',
      'expired:bob:webdav',
    ]);
    machine.acquire(acquire('req-carol-1', CAROL, { via: 'webdav' }));
    expect(machine.acquire(acquire('req-alice-2'))).toMatchObject({
      status: 'busy',
      holder: { username: 'carol', via: 'webdav', kind: 'lease' },
    });
  });

  it('nextDeadline is the earliest of the lease expiry and the waiters deadlines', () => {
    const { machine, clock } = newMachine();
    expect(machine.nextDeadline()).toBeNull();
    machine.acquire(acquire('req-alice-1', ALICE, { ttlMs: 60_000 }));
    machine.acquire(acquire('req-bob-01', BOB, { waitMs: 2_000 }));
    expect(machine.nextDeadline()).toBe(clock.now() + 2_000);
  });
});
