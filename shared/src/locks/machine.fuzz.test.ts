import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCK_SERVED_MEMORY } from './limits';
import type { LockChange, LockMachine } from './machine';
import type { LockKind, LockOwner, LockVia } from './schemas';
import { newMachine, restart } from '../../testing/locks';

// Model-based test: random commands run against the real machine and against a deliberately
// naive model of rules L2–L9; the answers must agree, and the stream of changes must keep L1
// (one holder at a time), L3 (tokens strictly grow) and L7 (grants to waiters in FIFO order)
// across crashes (the machine is rebuilt from its persisted JSON). Requests are leases or
// checkouts (L19: no expiry, renew changes nothing) and carry a front (L20) that the grant keeps.

const USERS: LockOwner[] = [0, 1, 2].map((i) => ({ userId: `u${i}`, username: `user${i}` }));

type Op =
  | {
      t: 'acquire';
      user: number;
      rid: number;
      ttl: number;
      wait: number;
      conn: number | null;
      kind: LockKind;
      via: LockVia;
    }
  | { t: 'renew' | 'release'; user: number; pick: 'current' | 'stale' | 'next'; ttl: number | undefined }
  | { t: 'break' }
  | { t: 'cancel'; user: number; rid: number }
  | { t: 'disconnect'; conn: number }
  | { t: 'advance'; ms: number }
  | { t: 'crash' };

const user = fc.integer({ min: 0, max: 2 });
const rid = fc.integer({ min: 0, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('acquire' as const),
      user,
      rid,
      ttl: fc.integer({ min: 1_000, max: 5_000 }),
      wait: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8_000 })),
      conn: fc.option(fc.integer({ min: 0, max: 2 })),
      kind: fc.constantFrom('lease' as const, 'checkout' as const),
      via: fc.constantFrom('app' as const, 'webdav' as const, 'git-lfs' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constantFrom('renew' as const, 'release' as const),
      user,
      pick: fc.constantFrom('current' as const, 'stale' as const, 'next' as const),
      ttl: fc.option(fc.integer({ min: 1_000, max: 5_000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('break' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), user, rid }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('disconnect' as const), conn: fc.integer({ min: 0, max: 2 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 6_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const) }) },
);

/** `exp` and `ttl` are null for a checkout. */
interface ModelLease {
  token: number;
  rid: string;
  uid: string;
  exp: number | null;
  ttl: number | null;
  via: LockVia;
}
interface ModelWaiter {
  rid: string;
  uid: string;
  ttl: number | null;
  via: LockVia;
  deadline: number;
  conn: string | null;
}

/** The naive model: the rules written as directly as possible. */
class Model {
  now = 0;
  lastToken = 0;
  holder: ModelLease | null = null;
  queue: ModelWaiter[] = [];
  served: { key: string; token: number }[] = [];

  tick(): void {
    if (this.holder?.exp != null && this.holder.exp <= this.now) this.holder = null;
    this.queue = this.queue.filter((w) => w.deadline > this.now);
    if (!this.holder) {
      const next = this.queue.shift();
      if (next) this.grant(next.rid, next.uid, next.ttl, next.via);
    }
  }
  grant(rid: string, uid: string, ttl: number | null, via: LockVia): ModelLease {
    this.lastToken += 1;
    this.holder = { token: this.lastToken, rid, uid, exp: ttl === null ? null : this.now + ttl, ttl, via };
    this.served = [...this.served, { key: `${uid}/${rid}`, token: this.lastToken }].slice(
      -LOCK_SERVED_MEMORY,
    );
    return this.holder;
  }
}

function pickToken(machine: LockMachine, pick: 'current' | 'stale' | 'next'): number {
  const last = machine.state.lastToken;
  if (pick === 'current') return machine.state.holder?.token ?? Math.max(1, last);
  if (pick === 'stale') return Math.max(1, last - 1);
  return last + 1;
}

/** Checks L1, L3 and L7 on the stream of changes. */
class StreamChecker {
  open: number | null = null;
  lastGranted = 0;
  waiting: string[] = [];

  check(changes: LockChange[]): void {
    for (const c of changes) {
      const key = `${c.actor?.userId}/${c.requestId}`;
      if (c.kind === 'granted') {
        expect(this.open, `[L1] token ${c.token} granted while ${this.open} still held`).toBeNull();
        expect(c.token, '[L3] tokens grow by one per grant').toBe(this.lastGranted + 1);
        this.lastGranted = c.token ?? NaN;
        this.open = c.token;
        const at = this.waiting.indexOf(key);
        if (at >= 0) {
          expect(at, `[L7] ${key} was granted ahead of ${this.waiting[0]}`).toBe(0);
          this.waiting.shift();
        }
      } else if (c.kind === 'released' || c.kind === 'expired' || c.kind === 'broken') {
        expect(c.token).toBe(this.open);
        this.open = null;
      } else if (c.kind === 'queued') {
        this.waiting.push(key);
      } else if (c.kind === 'left_queue') {
        this.waiting = this.waiting.filter((k) => k !== key);
      }
    }
  }
}

function run(ops: Op[]): void {
  const setup = newMachine();
  const clock = setup.clock;
  let machine = setup.machine;
  const model = new Model();
  model.now = clock.now();
  const stream = new StreamChecker();

  for (const op of ops) {
    switch (op.t) {
      case 'acquire': {
        const owner = USERS[op.user]!;
        const requestId = `req-000${op.rid}`;
        const conn = op.conn === null ? null : `c${op.conn}`;
        const got = machine.acquire({
          requestId,
          owner,
          kind: op.kind,
          via: op.via,
          ttlMs: op.ttl,
          waitMs: op.wait,
          connId: conn,
        });
        const ttl = op.kind === 'checkout' ? null : op.ttl;
        model.tick();
        const key = `${owner.userId}/${requestId}`;
        let want: unknown;
        const h = model.holder;
        const qi = model.queue.findIndex((w) => `${w.uid}/${w.rid}` === key);
        const served = model.served.find((s) => s.key === key);
        if (h && `${h.uid}/${h.rid}` === key) want = { status: 'granted', token: h.token, expiresAt: h.exp };
        else if (qi >= 0) {
          want = { status: 'queued', position: qi + 1 };
          if (conn !== null) model.queue[qi]!.conn = conn; // a retry on a new socket moves there
        } else if (served) want = { status: 'ended', token: served.token };
        else if (!h) {
          const lease = model.grant(requestId, owner.userId, ttl, op.via);
          want = { status: 'granted', token: lease.token, expiresAt: lease.exp };
        } else if (op.wait > 0) {
          model.queue.push({
            rid: requestId,
            uid: owner.userId,
            ttl,
            via: op.via,
            deadline: model.now + op.wait,
            conn,
          });
          want = { status: 'queued', position: model.queue.length };
        } else want = { status: 'busy', expiresAt: h.exp };
        expect(got).toMatchObject(want as object);
        break;
      }
      case 'renew':
      case 'release': {
        const token = pickToken(machine, op.pick);
        const userId = USERS[op.user]!.userId;
        const got =
          op.t === 'renew'
            ? machine.renew({ token, userId, ttlMs: op.ttl })
            : machine.release({ token, userId });
        model.tick();
        const h = model.holder;
        const mine = h !== null && h.token === token && h.uid === userId; // L4, L5
        expect(got.status, `${op.t} of token ${token} by ${userId}`).toBe(
          mine ? (op.t === 'renew' ? 'renewed' : 'released') : 'not_held',
        );
        if (mine && op.t === 'renew' && h.ttl !== null) {
          h.ttl = op.ttl ?? h.ttl;
          h.exp = model.now + h.ttl;
        }
        if (mine && op.t === 'renew') expect(got).toMatchObject({ expiresAt: h.exp });
        if (mine && op.t === 'release') {
          model.holder = null;
          model.tick();
        }
        break;
      }
      case 'break': {
        const got = machine.breakLock({ by: USERS[0]!, reason: 'fuzz' });
        model.tick();
        expect(got.status).toBe(model.holder ? 'broken' : 'not_held');
        model.holder = null;
        model.tick();
        break;
      }
      case 'cancel': {
        const requestId = `req-000${op.rid}`;
        const userId = USERS[op.user]!.userId;
        const got = machine.cancel({ requestId, userId });
        model.tick();
        const before = model.queue.length;
        model.queue = model.queue.filter((w) => !(w.rid === requestId && w.uid === userId));
        expect(got.status).toBe(model.queue.length < before ? 'cancelled' : 'not_queued');
        break;
      }
      case 'disconnect':
        machine.disconnect(`c${op.conn}`);
        model.tick();
        model.queue = model.queue.filter((w) => w.conn !== `c${op.conn}`);
        break;
      case 'advance':
        clock.advance(op.ms);
        model.now = clock.now();
        break;
      case 'crash':
        machine = restart(machine, clock);
        break;
    }
    stream.check(machine.drain());
    // The machine's view and the model's view of holder and queue agree after every command.
    expect(machine.state.holder?.token ?? null).toBe(model.holder?.token ?? null);
    expect(machine.state.holder?.via ?? null, '[L20] the grant keeps its front').toBe(
      model.holder?.via ?? null,
    );
    expect(machine.state.holder?.expiresAt ?? null).toBe(model.holder?.exp ?? null);
    expect(machine.state.queue.map((w) => `${w.owner.userId}/${w.requestId}`)).toEqual(
      model.queue.map((w) => `${w.uid}/${w.rid}`),
    );
    expect(machine.state.lastToken).toBe(model.lastToken);
  }
}

describe('LockMachine against a model (fast-check)', () => {
  it('[L1][L3][L4][L5][L6][L7][L8][L9][L19][L20] random commands, time and crashes agree with the model', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 150 }), run), { numRuns: 400 });
  });
});
