import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AcquireResponseSchema,
  LockEventMessageSchema,
  LockSummarySchema,
  type LockEventMessage,
} from '#shared/locks/schemas';
import { HelloMessageSchema } from '#shared/socket';
import { LockStore } from '../src/locks/lock-store';
import { LockService, type SpaceLink } from '../src/locks/lock-service';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { lockPath, lockStub, post, rid, spaceStubOf, TestSocket } from './locks-support';

let owner: { cookie: string; userId: string; username: string };
let editor: { cookie: string; userId: string; username: string };
let editor2: { cookie: string; userId: string; username: string };
let viewer: { cookie: string; userId: string; username: string };
let spaceId: string;

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  editor = await addMember(owner.cookie, spaceId, 'editor');
  editor2 = await addMember(owner.cookie, spaceId, 'editor');
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
});

const isEvent =
  (kind: string, requestId?: string) =>
  (m: unknown): m is LockEventMessage => {
    const parsed = v.safeParse(LockEventMessageSchema, m);
    return (
      parsed.success &&
      parsed.output.kind === kind &&
      (requestId === undefined || parsed.output.requestId === requestId)
    );
  };

/** A space that never finds an overlapping lock (L22 is not what these tests are about). */
const alwaysReserves = {
  reserve: () => Promise.resolve({ ok: true as const }),
  unreserve: () => Promise.resolve(),
};

describe('space socket (hub)', () => {
  it('members get a hello, then live lock events', async () => {
    const live = await TestSocket.open(viewer.cookie, `/api/spaces/${spaceId}/socket`);
    await live.next((m): m is unknown => v.is(HelloMessageSchema, m));
    const id = rid();
    await post(editor.cookie, spaceId, 'live.txt', 'acquire', { requestId: id });
    const event = await live.next(isEvent('granted', id));
    expect(event.lock).toMatchObject({ name: 'live.txt', holder: { userId: editor.userId, token: 1 } });
    live.ws.close();
  });

  it('[L2] an HTTP waiter hears of its grant on the space socket', async () => {
    const name = 'http/waiter.md';
    const live = await TestSocket.open(editor2.cookie, `/api/spaces/${spaceId}/socket`);
    const first = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
    );
    const waitId = rid();
    expect(
      (await post(editor2.cookie, spaceId, name, 'acquire', { requestId: waitId, waitMs: 30_000 })).body,
    ).toMatchObject({ status: 'queued' });
    if (first.status !== 'granted') throw new Error('expected a grant');
    await post(editor.cookie, spaceId, name, 'release', { token: first.token });
    const granted = await live.next(isEvent('granted', waitId));
    expect(granted).toMatchObject({
      token: first.token + 1,
      lock: { name, holder: { userId: editor2.userId } },
    });
    live.ws.close();
  });

  it('refuses non-members (404) and anonymous callers (401), and plain GETs (400)', async () => {
    const stranger = await signUp();
    expect(
      (
        await api(`/api/spaces/${spaceId}/socket`, {
          cookie: stranger.cookie,
          headers: { upgrade: 'websocket' },
        })
      ).status,
    ).toBe(404);
    expect((await api(`/api/spaces/${spaceId}/socket`, { headers: { upgrade: 'websocket' } })).status).toBe(
      401,
    );
    expect((await api(`/api/spaces/${spaceId}/socket`, { cookie: viewer.cookie })).status).toBe(400);
    expect(
      (
        await api(`/api/spaces/${spaceId}/socket`, {
          cookie: viewer.cookie,
          headers: { upgrade: 'websocket', origin: 'https://evil.example' },
        })
      ).status,
    ).toBe(403);
  });

  it('closes the sockets of a removed member', async () => {
    const live = await TestSocket.open(viewer.cookie, `/api/spaces/${spaceId}/socket`);
    const closed = new Promise<number>((resolve) =>
      live.ws.addEventListener('close', (e) => resolve(e.code)),
    );
    expect(await spaceStubOf(spaceId).closeSockets({ userId: viewer.userId }, 'removed')).toBeGreaterThan(0);
    expect(await closed).toBe(4003);
  });
});

describe("a lock's own socket", () => {
  it('[L2][L7] acquire, wait in line, and get the grant pushed when the holder releases [L11]', async () => {
    const name = 'ws/fifo.psd';
    const a = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    const b = await TestSocket.open(editor2.cookie, lockPath(spaceId, name, 'socket'));
    const granted = v.parse(
      AcquireResponseSchema,
      (await a.command({ op: 'acquire', requestId: rid(), ttlMs: 30_000 })).result,
    );
    expect(granted).toMatchObject({ status: 'granted', token: 1 });
    const waitId = rid();
    expect((await b.command({ op: 'acquire', requestId: waitId, waitMs: 30_000 })).result).toMatchObject({
      status: 'queued',
      position: 1,
    });
    expect((await a.command({ op: 'release', token: 1 })).result).toEqual({ status: 'released', token: 1 });
    const push = await b.next(isEvent('granted', waitId));
    expect(push.token).toBe(2);
    expect(await spaceStubOf(spaceId).fenceCheck({ name, token: 2, userId: editor2.userId })).toEqual({
      ok: true,
    });
    a.ws.close();
    b.ws.close();
  });

  it('[L7] a waiter whose socket closes leaves the queue', async () => {
    const name = 'ws/leaver';
    const a = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    const b = await TestSocket.open(editor2.cookie, lockPath(spaceId, name, 'socket'));
    await a.command({ op: 'acquire', requestId: rid() });
    await b.command({ op: 'acquire', requestId: rid(), waitMs: 30_000 });
    b.ws.close();
    // The close is handled after the client's close frame arrives; poll the lock until it is.
    let queueLength = 1;
    for (let i = 0; i < 50 && queueLength > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      queueLength = v.parse(
        LockSummarySchema,
        await (await api(lockPath(spaceId, name), { cookie: editor.cookie })).json(),
      ).queueLength;
    }
    expect(queueLength).toBe(0);
    a.ws.close();
  });

  it('[L6] the holder hears on its socket that its lease expired; other sockets hear nothing of it', async () => {
    const name = 'ws/expiry';
    const holder = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    const other = await TestSocket.open(editor2.cookie, lockPath(spaceId, name, 'socket'));
    expect((await holder.command({ op: 'acquire', requestId: rid(), ttlMs: 1_000 })).result).toMatchObject({
      status: 'granted',
      token: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await runDurableObjectAlarm(lockStub(spaceId, name));
    expect((await holder.next(isEvent('expired'))).token).toBe(1);
    expect((await other.command({ op: 'cancel', requestId: rid() })).result).toEqual({
      status: 'not_queued',
    });
    expect(other.messages.filter((m) => v.is(LockEventMessageSchema, m))).toEqual([]);
    holder.ws.close();
    other.ws.close();
  });

  it('checks commands strictly and lets only editors lock', async () => {
    const name = 'ws/strict';
    const v1 = await TestSocket.open(viewer.cookie, lockPath(spaceId, name, 'socket'));
    expect((await v1.command({ op: 'acquire', requestId: rid() })).error).toMatchObject({
      code: 'FORBIDDEN',
    });
    const e1 = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    expect((await e1.command({ op: 'acquire', requestId: rid(), ttlMs: 10 })).error).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await e1.command({ op: 'explode' })).error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await e1.command({ op: 'release', token: 99 })).error).toMatchObject({ code: 'LOCK_NOT_HELD' });
    v1.ws.close();
    e1.ws.close();
  });

  it('[L3] the socket survives eviction and the token keeps growing', async () => {
    const name = 'ws/evict';
    const a = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    for (let round = 1; round <= 3; round++) {
      const reply = await a.command({ op: 'acquire', requestId: rid() });
      expect(reply.result).toMatchObject({ status: 'granted', token: round });
      await a.command({ op: 'release', token: round });
      await evictDurableObject(lockStub(spaceId, name));
    }
    a.ws.close();
  });
});

describe('lock socket access', () => {
  /** Makes every lock socket of the lock due for its access re-check (instead of waiting 5 s). */
  async function expireChecks(name: string): Promise<void> {
    await runInDurableObject(lockStub(spaceId, name), (_instance, ctx) => {
      for (const ws of ctx.getWebSockets())
        ws.serializeAttachment({ ...(ws.deserializeAttachment() as object), checkedAt: 0 });
    });
  }

  it('a socket that connected and hibernated before any command still works', async () => {
    const name = 'ws/hibernated-first';
    const a = await TestSocket.open(editor.cookie, lockPath(spaceId, name, 'socket'));
    await evictDurableObject(lockStub(spaceId, name));
    expect((await a.command({ op: 'acquire', requestId: rid() })).result).toMatchObject({
      status: 'granted',
      token: 1,
    });
    a.ws.close();
  });

  it('[L13] a removed member loses their lock socket at once, a signed-out session at the next re-check', async () => {
    const name = 'ws/revoked';
    const removed = await addMember(owner.cookie, spaceId, 'editor');
    const signedOut = await addMember(owner.cookie, spaceId, 'editor');
    const a = await TestSocket.open(removed.cookie, lockPath(spaceId, name, 'socket'));
    const b = await TestSocket.open(signedOut.cookie, lockPath(spaceId, name, 'socket'));
    expect((await a.command({ op: 'acquire', requestId: rid() })).result).toMatchObject({
      status: 'granted',
    });
    const closedA = new Promise<number>((resolve) => a.ws.addEventListener('close', (e) => resolve(e.code)));
    const closedB = new Promise<number>((resolve) => b.ws.addEventListener('close', (e) => resolve(e.code)));
    expect(
      (
        await api(`/api/spaces/${spaceId}/members/${removed.userId}`, {
          method: 'DELETE',
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(204);
    expect((await api('/api/auth/sign-out', { method: 'POST', cookie: signedOut.cookie })).status).toBe(204);
    // The removal itself closed the removed member's socket and ended their lease (L13).
    expect(await closedA).toBe(4003);
    await expireChecks(name);
    b.ws.send(JSON.stringify({ op: 'acquire', id: 99, requestId: rid(), waitMs: 1_000 }));
    expect(await closedB).toBe(4003);
    // Nothing the signed-out session sent after losing access was done: nobody holds or queued.
    expect(
      v.parse(LockSummarySchema, await (await api(lockPath(spaceId, name), { cookie: owner.cookie })).json()),
    ).toMatchObject({ holder: null, queueLength: 0 });
  });
});

describe('[L11] fence before answer', () => {
  it('[L11] neither the answer nor the push of a grant goes out until the space has recorded it', async () => {
    await runInDurableObject(lockStub(spaceId, 'l11-probe'), async (_instance, ctx) => {
      const calls: string[] = [];
      const held: (() => void)[] = [];
      const link: SpaceLink = {
        ...alwaysReserves,
        itemVersion: () => Promise.resolve(null),
        lockChanged: (_space, update) => {
          calls.push(`report:${update.granted?.token ?? '-'}`);
          if (!update.granted) return Promise.resolve();
          return new Promise<void>((resolve) =>
            held.push(() => {
              calls.push(`recorded:${update.granted?.token}`);
              resolve();
            }),
          );
        },
      };
      const ports = {
        pushTo: (conn: string, text: string) =>
          void calls.push(`push:${conn}:${String(v.parse(LockEventMessageSchema, JSON.parse(text)).kind)}`),
        isOpen: () => true,
        scheduleAlarm: () => {},
      };
      const service = new LockService(new LockStore(ctx.storage), { now: () => Date.now() }, link, ports);
      service.bind({ spaceId, name: 'l11-probe' });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
      const alice = { userId: editor.userId, username: editor.username };
      const bob = { userId: editor2.userId, username: editor2.username };

      // A direct grant: the answer waits for the fence.
      const first = service
        .acquire(alice, { requestId: rid() }, 'conn-a')
        .then((r) => (calls.push(`answer:${r.status}`), r));
      await settle();
      expect(calls).toEqual(['report:1']);
      held.shift()!();
      const granted = await first;
      expect(calls).toEqual(['report:1', 'recorded:1', 'answer:granted']);

      // A grant to a waiter: the releaser is answered at once; the waiter is told only after the fence.
      calls.length = 0;
      await service.acquire(bob, { requestId: rid(), waitMs: 60_000 }, 'conn-b');
      if (granted.status !== 'granted') throw new Error('expected a grant');
      const released = await service.release(alice, granted.token);
      expect(released.ok).toBe(true);
      await settle();
      expect(calls).toEqual(['report:2']);
      held.shift()!();
      await settle();
      expect(calls).toEqual(['report:2', 'recorded:2', 'push:conn-b:granted']);
    });
  });

  it('[L11] a grant whose fence report failed is fenced again by the next command, and only then pushed', async () => {
    await runInDurableObject(lockStub(spaceId, 'l11-retry'), async (_instance, ctx) => {
      const calls: string[] = [];
      let failNext = false;
      const link: SpaceLink = {
        ...alwaysReserves,
        itemVersion: () => Promise.resolve(null),
        lockChanged: (_space, update) => {
          if (update.granted && failNext) {
            failNext = false;
            calls.push(`lost:${update.granted.token}`);
            return Promise.reject(new Error('space unavailable'));
          }
          if (update.granted) calls.push(`recorded:${update.granted.token}`);
          return Promise.resolve();
        },
      };
      const ports = {
        pushTo: (conn: string, text: string) =>
          void calls.push(`push:${conn}:${String(v.parse(LockEventMessageSchema, JSON.parse(text)).kind)}`),
        isOpen: () => true,
        scheduleAlarm: () => {},
      };
      const service = new LockService(new LockStore(ctx.storage), { now: () => Date.now() }, link, ports);
      service.bind({ spaceId, name: 'l11-retry' });
      const alice = { userId: editor.userId, username: editor.username };
      const bob = { userId: editor2.userId, username: editor2.username };
      const first = await service.acquire(alice, { requestId: rid() }, 'conn-a');
      await service.acquire(bob, { requestId: rid(), waitMs: 60_000 }, 'conn-b');
      if (first.status !== 'granted') throw new Error('expected a grant');
      failNext = true;
      expect((await service.release(alice, first.token)).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toEqual(['recorded:1', 'lost:2']);
      await service.summary();
      expect(calls).toEqual(['recorded:1', 'lost:2', 'recorded:2', 'push:conn-b:granted']);
    });
  });
});
