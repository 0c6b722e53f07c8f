import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyLockState, holderOf, LockMachine } from '#shared/locks/machine';
import { LockCommandSchema, type LockEventMessage } from '#shared/locks/schemas';
import { LockClient } from './lock-client';

// The lock client against an in-memory server that runs the real state machine, on fake timers:
// sockets are fakes (no network), time is vitest's fake clock.

type Listener = (event: { data?: unknown; code?: number }) => void;

class FakeServer {
  readonly machine = new LockMachine(emptyLockState(), { now: () => Date.now() });
  readonly sockets = new Set<FakeSocket>();
  commands: string[] = [];
  private nextConn = 1;

  open(userId: string): FakeSocket {
    const socket = new FakeSocket(this, userId, `conn-${this.nextConn++}`);
    this.sockets.add(socket);
    return socket;
  }

  /** Handles one command like the LockObject does, replying after a tick. */
  handle(socket: FakeSocket, text: string): void {
    const command = v.parse(LockCommandSchema, JSON.parse(text));
    this.commands.push(`${socket.userId}:${command.op}`);
    const owner = { userId: socket.userId, username: socket.userId };
    let result: unknown;
    let error: { code: string; message: string } | undefined;
    if (command.op === 'acquire') {
      result = {
        ...this.machine.acquire({
          requestId: command.requestId,
          owner,
          kind: command.kind ?? 'lease',
          via: 'app',
          ttlMs: command.ttlMs ?? 60_000,
          waitMs: command.waitMs ?? 0,
          connId: socket.connId,
        }),
        name: 'doc',
      };
    } else if (command.op === 'renew' || command.op === 'release') {
      const outcome =
        command.op === 'renew'
          ? this.machine.renew({ token: command.token, userId: socket.userId, ttlMs: command.ttlMs })
          : this.machine.release({ token: command.token, userId: socket.userId });
      if (outcome.status === 'not_held') error = { code: 'LOCK_NOT_HELD', message: 'not held' };
      else result = outcome;
    } else {
      result = this.machine.cancel({ requestId: command.requestId, userId: socket.userId });
    }
    this.pushChanges();
    setTimeout(
      () => socket.deliver({ type: 'reply', id: command.id, ...(error ? { error } : { result }) }),
      0,
    );
  }

  /** Runs what time did (the alarm) and pushes grants, expiries and breaks to their sockets. */
  pushChanges(): void {
    this.machine.tick();
    for (const change of this.machine.drain()) {
      if (!change.connId || !['granted', 'expired', 'broken'].includes(change.kind)) continue;
      const { holder, lastToken, queue, rev } = this.machine.state;
      const event: LockEventMessage = {
        type: 'lock',
        kind: change.kind,
        at: change.at,
        requestId: change.requestId,
        token: change.token,
        via: change.via,
        lock: {
          name: 'doc',
          holder: holder ? holderOf(holder) : null,
          lastToken,
          queueLength: queue.length,
          rev,
        },
      };
      for (const socket of this.sockets)
        if (socket.connId === change.connId) setTimeout(() => socket.deliver(event), 0);
    }
  }

  /** Drops every socket, as a server restart does (waiters stay queued under their old socket). */
  dropAll(): void {
    for (const socket of [...this.sockets]) socket.drop();
  }
}

class FakeSocket {
  private readonly listeners = new Map<string, Listener[]>();
  open = false;
  constructor(
    private readonly server: FakeServer,
    readonly userId: string,
    readonly connId: string,
  ) {
    setTimeout(() => {
      this.open = true;
      this.emit('open', {});
    }, 0);
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(text: string): void {
    if (!this.open) throw new Error('not open');
    this.server.handle(this, text);
  }
  close(): void {
    this.drop();
  }
  deliver(message: unknown): void {
    if (this.open) this.emit('message', { data: JSON.stringify(message) });
  }
  drop(): void {
    if (!this.open) return;
    this.open = false;
    this.server.sockets.delete(this);
    this.server.machine.disconnect(this.connId);
    this.server.machine.drain();
    this.emit('close', { code: 1006 });
  }
  private emit(type: string, event: { data?: unknown; code?: number }): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

function clientFor(server: FakeServer, userId: string): LockClient {
  return new LockClient({
    baseUrl: 'http://baton.test',
    spaceId: 'space',
    openSocket: () => server.open(userId) as unknown as WebSocket,
  });
}

describe('LockClient', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[L2][L5] acquires, answers busy to another client, and releases', async () => {
    const server = new FakeServer();
    const alice = clientFor(server, 'alice');
    const bob = clientFor(server, 'bob');
    const a = alice.acquire('doc', { ttlMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10);
    const got = await a;
    if (got.status !== 'granted') throw new Error(got.status);
    expect(got.lock).toMatchObject({ name: 'doc', token: 1, held: true });
    const b = bob.acquire('doc');
    await vi.advanceTimersByTimeAsync(10);
    expect(await b).toMatchObject({ status: 'busy', holder: { userId: 'alice', token: 1 } });
    const released = got.lock.release();
    await vi.advanceTimersByTimeAsync(10);
    expect(await released).toBe(true);
    expect(server.machine.state.holder).toBeNull();
  });

  it('[L7] a waiting client is handed the lock when the holder releases', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc');
    await vi.advanceTimersByTimeAsync(10);
    const first = await a;
    const b = clientFor(server, 'bob').acquire('doc', { waitMs: 30_000 });
    await vi.advanceTimersByTimeAsync(10);
    if (first.status !== 'granted') throw new Error(first.status);
    void first.lock.release();
    await vi.advanceTimersByTimeAsync(10);
    expect(await b).toMatchObject({ status: 'granted', lock: { token: 2 } });
  });

  it('[L4] renews on its own while held, and stops after release', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 3_000 });
    await vi.advanceTimersByTimeAsync(10);
    const got = await a;
    if (got.status !== 'granted') throw new Error(got.status);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(got.lock.held).toBe(true);
    expect(server.commands.filter((c) => c === 'alice:renew').length).toBeGreaterThanOrEqual(14);
    const released = got.lock.release();
    await vi.advanceTimersByTimeAsync(10);
    await released;
    const renewals = server.commands.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.commands.length).toBe(renewals);
  });

  it('[L6] signals the loss when its lease runs out unrenewed, timed from when it asked', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 2_000, autoRenew: false });
    await vi.advanceTimersByTimeAsync(10);
    const got = await a;
    if (got.status !== 'granted') throw new Error(got.status);
    const lost: string[] = [];
    got.lock.onLost((reason) => lost.push(reason));
    await vi.advanceTimersByTimeAsync(1_900);
    expect(lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(lost).toEqual(['expired']);
    expect(got.lock.held).toBe(false);
    const released = got.lock.release();
    expect(await released).toBe(false);
  });

  it('[L19] a checkout is never renewed and never lost to time; only a break ends it', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { kind: 'checkout' });
    await vi.advanceTimersByTimeAsync(10);
    const got = await a;
    if (got.status !== 'granted') throw new Error(got.status);
    expect(got.lock.expiresAt).toBeNull();
    const lost: string[] = [];
    got.lock.onLost((reason) => lost.push(reason));
    // Far past the longest lease (1 h): no renewals sent, still held.
    await vi.advanceTimersByTimeAsync(3 * 3_600_000);
    expect(server.commands).toEqual(['alice:acquire']);
    expect(got.lock.held).toBe(true);
    server.machine.breakLock({ by: { userId: 'owner', username: 'owner' }, reason: '' });
    server.pushChanges();
    await vi.advanceTimersByTimeAsync(10);
    expect(lost).toEqual(['broken']);
  });

  it('[L8] signals "broken" when an owner breaks the lock', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc');
    await vi.advanceTimersByTimeAsync(10);
    const got = await a;
    if (got.status !== 'granted') throw new Error(got.status);
    const lost: string[] = [];
    got.lock.onLost((reason) => lost.push(reason));
    server.machine.breakLock({ by: { userId: 'owner', username: 'owner' }, reason: '' });
    server.pushChanges();
    await vi.advanceTimersByTimeAsync(10);
    expect(lost).toEqual(['broken']);
  });

  it('[L9] a waiter whose socket drops asks again with the same request id and still gets its turn', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    const first = await a;
    const b = clientFor(server, 'bob').acquire('doc', { waitMs: 30_000 });
    await vi.advanceTimersByTimeAsync(10);
    const requestIds = () => server.machine.state.queue.map((w) => w.requestId);
    const before = requestIds();
    expect(before).toHaveLength(1);
    // The server restarts: Bob's socket drops and the fake drops him from the queue (L7); he
    // reconnects and asks again with the same request id.
    server.dropAll();
    await vi.advanceTimersByTimeAsync(500);
    expect(requestIds()).toEqual(before);
    if (first.status !== 'granted') throw new Error(first.status);
    const renewed = first.lock.renew().catch(() => {}); // Alice's socket dropped too; her next command reconnects
    await vi.advanceTimersByTimeAsync(10);
    await renewed;
    void first.lock.release();
    await vi.advanceTimersByTimeAsync(50);
    expect(await b).toMatchObject({ status: 'granted', lock: { token: 2 } });
  });

  it('[L2] tells a waiter its place in line, and tells it again when a reconnect re-asks', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    const first = await a;
    const bobSaw: number[] = [];
    const carolSaw: number[] = [];
    const b = clientFor(server, 'bob').acquire('doc', {
      waitMs: 30_000,
      onQueued: (position) => bobSaw.push(position),
    });
    await vi.advanceTimersByTimeAsync(10);
    const c = clientFor(server, 'carol').acquire('doc', {
      waitMs: 30_000,
      onQueued: (position) => carolSaw.push(position),
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(bobSaw).toEqual([1]);
    expect(carolSaw).toEqual([2]);
    // Sockets drop: each waiter asks again with its request id and hears its (unchanged) place.
    server.dropAll();
    await vi.advanceTimersByTimeAsync(500);
    expect(bobSaw).toEqual([1, 1]);
    expect(carolSaw).toEqual([2, 2]);
    if (first.status !== 'granted') throw new Error(first.status);
    const renewed = first.lock.renew().catch(() => {});
    await vi.advanceTimersByTimeAsync(10);
    await renewed;
    void first.lock.release();
    await vi.advanceTimersByTimeAsync(50);
    expect(await b).toMatchObject({ status: 'granted', lock: { token: 2 } });
    void c.catch(() => {});
  });

  it('gives up waiting at the deadline and leaves the queue', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    await a;
    const b = clientFor(server, 'bob').acquire('doc', { waitMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_200);
    expect(await b).toEqual({ status: 'timeout' });
    expect(server.machine.state.queue).toEqual([]);
  });

  it('[L7][L17] a waiter that leaves the line is out of the queue at once and never granted', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    const held = await a;
    const leave = new AbortController();
    const b = clientFor(server, 'bob').acquire('doc', { waitMs: 60_000, signal: leave.signal });
    await vi.advanceTimersByTimeAsync(10);
    expect(server.machine.state.queue.map((w) => w.owner.userId)).toEqual(['bob']);
    leave.abort();
    await vi.advanceTimersByTimeAsync(10);
    expect(await b).toEqual({ status: 'left' });
    expect(server.machine.state.queue).toEqual([]);
    if (held.status !== 'granted') throw new Error(held.status);
    void held.lock.release();
    await vi.advanceTimersByTimeAsync(10);
    expect(server.machine.state.holder).toBeNull();
  });

  it('[L18] a new client (a reload) takes back the same grant with its request id, and renews it at once', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    const first = await a;
    if (first.status !== 'granted') throw new Error(first.status);
    await vi.advanceTimersByTimeAsync(50_000); // the page is gone; its renewals too, in effect
    const reloaded = clientFor(server, 'alice').resume('doc', first.lock.requestId, 60_000);
    await vi.advanceTimersByTimeAsync(10);
    const again = await reloaded;
    if (again.status !== 'granted') throw new Error(again.status);
    expect(again.lock).toMatchObject({ token: first.lock.token, held: true });
    expect(server.machine.state.holder?.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    // Someone else's client cannot take it back with the same id.
    const other = clientFor(server, 'bob').resume('doc', first.lock.requestId, 60_000);
    await vi.advanceTimersByTimeAsync(10);
    expect(await other).toMatchObject({ status: 'ended', holder: { userId: 'alice' } });
  });

  it('[L18] a grant that ended while the page was away resumes as ended', async () => {
    const server = new FakeServer();
    const a = clientFor(server, 'alice').acquire('doc', { ttlMs: 5_000, autoRenew: false });
    await vi.advanceTimersByTimeAsync(10);
    const first = await a;
    if (first.status !== 'granted') throw new Error(first.status);
    await vi.advanceTimersByTimeAsync(6_000);
    server.pushChanges();
    const reloaded = clientFor(server, 'alice').resume('doc', first.lock.requestId, 5_000);
    await vi.advanceTimersByTimeAsync(10);
    expect(await reloaded).toEqual({ status: 'ended', holder: null });
    expect(server.machine.state.holder).toBeNull();
  });
});
