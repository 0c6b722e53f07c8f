import { describe, expect, it } from 'vitest';
import { CourtesyLockMachine } from './courtesy';
import { emptyLockState } from './machine';
import { ALICE, BOB, CAROL, FakeClock } from '../../testing/locks';

function heldByAlice(kind: 'lease' | 'checkout' = 'checkout') {
  const clock = new FakeClock();
  const machine = new CourtesyLockMachine(emptyLockState(), clock);
  const grant = machine.acquire({
    requestId: 'req-alice-1',
    owner: ALICE,
    kind,
    via: 'app',
    ttlMs: 10_000,
    waitMs: 0,
    connId: null,
  });
  if (grant.status !== 'granted') throw new Error('not granted');
  machine.drain();
  return { machine, clock, token: grant.token };
}

describe('CourtesyLockMachine', () => {
  it('[L26] an ask reaches the holder with its message and is recorded; asking a free lock or your own does nothing', () => {
    const { machine, token } = heldByAlice();
    expect(machine.ask({ owner: BOB, message: 'I need the logo before 5' })).toEqual({
      status: 'asked',
      holder: ALICE,
    });
    const [change] = machine.drain();
    expect(change).toMatchObject({ kind: 'asked', token, actor: BOB, detail: 'I need the logo before 5' });
    expect(change?.notify).toMatchObject({
      userIds: [ALICE.userId],
      kind: 'asked',
      from: 'bob',
      askerId: BOB.userId,
    });
    expect(machine.ask({ owner: ALICE, message: '' })).toEqual({ status: 'yours' });
    machine.release({ token, userId: ALICE.userId });
    expect(machine.ask({ owner: BOB, message: '' })).toEqual({ status: 'free' });
  });

  it('[L26] "5 more minutes" is told to the asker; only the holder with its token may answer, only someone who asked', () => {
    const { machine, token } = heldByAlice();
    machine.ask({ owner: BOB, message: '' });
    machine.drain();
    expect(machine.answer({ token, userId: BOB.userId, to: BOB.userId, minutes: 5 })).toEqual({
      status: 'not_held',
    });
    expect(machine.answer({ token, userId: ALICE.userId, to: CAROL.userId, minutes: 5 })).toEqual({
      status: 'not_asked',
    });
    expect(machine.answer({ token, userId: ALICE.userId, to: BOB.userId, minutes: 5 })).toEqual({
      status: 'done',
      token,
    });
    const [change] = machine.drain();
    expect(change).toMatchObject({ kind: 'answered', detail: 'to bob: 5 more minutes' });
    expect(change?.notify).toMatchObject({
      userIds: [BOB.userId],
      kind: 'answered',
      from: 'alice',
      message: '5 more minutes',
    });
    expect(machine.state.asks[0]?.answeredAt).not.toBeNull();
  });

  it('[L27][L30] a hand-over releases with the comment and gives the asker a checkout ahead of the line', () => {
    const { machine, token } = heldByAlice('lease');
    machine.acquire({
      requestId: 'req-carol-1',
      owner: CAROL,
      kind: 'lease',
      via: 'app',
      ttlMs: 10_000,
      waitMs: 60_000,
      connId: 'c1',
    });
    machine.ask({ owner: BOB, message: 'please' });
    machine.drain();
    expect(machine.handOver({ token, userId: ALICE.userId, to: BOB.userId, comment: 'logo done' })).toEqual({
      status: 'done',
      token: token + 1,
    });
    const changes = machine.drain();
    expect(changes.map((c) => [c.kind, c.detail])).toEqual([
      ['released', 'handed over to bob: logo done'],
      ['granted', 'checkout until released'],
    ]);
    expect(changes[1]?.notify).toMatchObject({
      userIds: [BOB.userId],
      kind: 'granted',
      requestId: `handover-${token + 1}`,
    });
    expect(machine.state.holder).toMatchObject({ owner: BOB, kind: 'checkout', expiresAt: null });
    expect(machine.state.queue.map((w) => w.owner)).toEqual([CAROL]);
    expect(machine.state.asks).toEqual([]);
    // The asker's device takes it up by the request id it was told (L9).
    expect(
      machine.acquire({
        requestId: `handover-${token + 1}`,
        owner: BOB,
        kind: 'lease',
        via: 'app',
        ttlMs: 10_000,
        waitMs: 0,
        connId: null,
      }),
    ).toMatchObject({ status: 'granted', token: token + 1, expiresAt: null });
    // Nobody else can be handed it without asking.
    expect(machine.handOver({ token: token + 1, userId: BOB.userId, to: CAROL.userId, comment: '' })).toEqual(
      {
        status: 'not_asked',
      },
    );
  });

  it('[L28] "notify me" tells the watcher once when the grant ends, whether released, broken or expired', () => {
    const { machine, token, clock } = heldByAlice('lease');
    expect(machine.watch({ owner: BOB, notify: true })).toEqual({ status: 'watching' });
    machine.watch({ owner: BOB, notify: true });
    machine.release({ token, userId: ALICE.userId, comment: 'checked in' });
    const [released] = machine.drain();
    expect(released).toMatchObject({ kind: 'released', detail: 'checked in' });
    expect(released?.notify).toEqual({
      userIds: [BOB.userId],
      kind: 'free',
      from: 'alice',
      message: 'alice released it',
    });
    expect(machine.watch({ owner: BOB, notify: true })).toEqual({ status: 'free' });

    machine.acquire({
      requestId: 'req-alice-2',
      owner: ALICE,
      kind: 'lease',
      via: 'app',
      ttlMs: 1_000,
      waitMs: 0,
      connId: null,
    });
    machine.watch({ owner: CAROL, notify: true });
    machine.drain();
    clock.advance(1_000);
    machine.tick();
    const [expired] = machine.drain();
    expect(expired?.notify).toMatchObject({ userIds: [CAROL.userId], kind: 'free', from: null });
    expect(machine.state.watchers).toEqual([]);
  });

  it('[L28] a waiter whose turn comes is told personally; one who stops watching is not told', () => {
    const { machine, token } = heldByAlice();
    machine.acquire({
      requestId: 'req-bob-01',
      owner: BOB,
      kind: 'checkout',
      via: 'app',
      ttlMs: 10_000,
      waitMs: 60_000,
      connId: 'b',
    });
    machine.watch({ owner: CAROL, notify: true });
    expect(machine.watch({ owner: CAROL, notify: false })).toEqual({ status: 'not_watching' });
    machine.drain();
    machine.release({ token, userId: ALICE.userId });
    const changes = machine.drain();
    expect(changes.filter((c) => c.notify).map((c) => c.notify)).toEqual([
      { userIds: [BOB.userId], kind: 'granted', from: null, message: '', requestId: 'req-bob-01', token: 2 },
    ]);
  });
});

describe('stale checkouts on a fake clock', () => {
  const DAY = 86_400_000;
  const rule = { staleAfterMs: 7 * DAY, activeAt: null };

  it("[L31] someone who asked and got no answer for 24 h takes a checkout idle for the rule's days; the holder is told", () => {
    const { machine, clock, token } = heldByAlice();
    clock.advance(6 * DAY);
    machine.ask({ owner: BOB, message: 'still using it?' });
    clock.advance(DAY - 1);
    // Not yet: six days and a bit of quiet, an ask a day old minus a moment.
    expect(machine.takeStale({ owner: BOB, ...rule })).toEqual({ status: 'not_stale' });
    clock.advance(1);
    expect(machine.takeStale({ owner: CAROL, ...rule })).toEqual({ status: 'not_asked' });
    machine.drain();
    expect(machine.takeStale({ owner: BOB, ...rule })).toEqual({ status: 'done', token: token + 1 });
    const changes = machine.drain();
    expect(changes[0]).toMatchObject({
      kind: 'broken',
      actor: BOB,
      detail: "took the stale checkout of alice: no activity for 7 days and no answer to bob's ask",
    });
    expect(changes[0]?.notify).toMatchObject({ userIds: [ALICE.userId], kind: 'taken', from: 'bob' });
    expect(changes[1]?.notify).toMatchObject({
      userIds: [BOB.userId],
      kind: 'granted',
      requestId: `stale-${token + 1}`,
    });
    expect(machine.state.holder).toMatchObject({ owner: BOB, kind: 'checkout' });
  });

  it('[L31] activity, an answer, a fresh ask or a lease keep the check-out', () => {
    const { machine, clock } = heldByAlice();
    machine.ask({ owner: BOB, message: '' });
    clock.advance(8 * DAY);
    // An edit two days ago counts as activity.
    expect(machine.takeStale({ owner: BOB, staleAfterMs: 7 * DAY, activeAt: clock.now() - 2 * DAY })).toEqual(
      {
        status: 'not_stale',
      },
    );
    const token = machine.state.holder?.token ?? 0;
    machine.answer({ token, userId: ALICE.userId, to: BOB.userId, minutes: 5 });
    expect(machine.takeStale({ owner: BOB, ...rule })).toEqual({ status: 'not_asked' });
    machine.ask({ owner: CAROL, message: '' });
    expect(machine.takeStale({ owner: CAROL, ...rule })).toEqual({ status: 'not_asked' });
    expect(machine.takeStale({ owner: ALICE, ...rule })).toEqual({ status: 'yours' });

    const lease = heldByAlice('lease');
    lease.machine.ask({ owner: BOB, message: '' });
    lease.clock.advance(5_000);
    expect(lease.machine.takeStale({ owner: BOB, staleAfterMs: 1_000, activeAt: null })).toEqual({
      status: 'not_stale',
    });
  });
});
