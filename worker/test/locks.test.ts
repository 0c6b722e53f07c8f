import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '#shared/errors';
import {
  AcquireResponseSchema,
  LockHistoryResponseSchema,
  LockListResponseSchema,
  LockSummarySchema,
  RenewResponseSchema,
} from '#shared/locks/schemas';
import { Fence, FENCE_GRACE_MS } from '../src/space/fence';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { lockPath, lockStub, post, rid, spaceStubOf } from './locks-support';

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

describe('lock routes', () => {
  it('[L1][L2] an editor takes a path-like lock; a second editor is told who holds it', async () => {
    const name = 'designs/logo.psd';
    const a = await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid(), ttlMs: 30_000 });
    expect(a.status).toBe(200);
    const granted = v.parse(AcquireResponseSchema, a.body);
    expect(granted).toMatchObject({ status: 'granted', name, token: 1 });
    const b = await post(editor2.cookie, spaceId, name, 'acquire', { requestId: rid() });
    expect(v.parse(AcquireResponseSchema, b.body)).toMatchObject({
      status: 'busy',
      holder: { username: editor.username, token: 1 },
    });

    const one = v.parse(
      LockSummarySchema,
      await (await api(lockPath(spaceId, name), { cookie: viewer.cookie })).json(),
    );
    expect(one).toMatchObject({ name, holder: { userId: editor.userId }, lastToken: 1, queueLength: 0 });
    const list = v.parse(
      LockListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/locks`, { cookie: viewer.cookie })).json(),
    );
    expect(list.locks.map((l) => [l.name, l.holder?.username])).toContainEqual([name, editor.username]);
  });

  it('[L2] a waiter is queued, then granted when the holder releases [L5][L7]', async () => {
    const name = 'notes/queue.md';
    const a = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
    );
    const waitId = rid();
    const q = await post(editor2.cookie, spaceId, name, 'acquire', { requestId: waitId, waitMs: 60_000 });
    expect(q.body).toEqual({ status: 'queued', name, requestId: waitId, position: 1 });
    if (a.status !== 'granted') throw new Error('expected a grant');
    // [L5] someone else's release, and a wrong token, are refused.
    const wrong = await post(editor2.cookie, spaceId, name, 'release', { token: a.token });
    expect([wrong.status, v.parse(ErrorBodySchema, wrong.body).code]).toEqual([409, 'LOCK_NOT_HELD']);
    expect((await post(editor.cookie, spaceId, name, 'release', { token: a.token + 5 })).status).toBe(409);
    expect((await post(editor.cookie, spaceId, name, 'release', { token: a.token })).body).toEqual({
      status: 'released',
      token: a.token,
    });
    // [L9] the waiter's retry learns of its grant.
    const retry = await post(editor2.cookie, spaceId, name, 'acquire', { requestId: waitId, waitMs: 60_000 });
    expect(retry.body).toMatchObject({ status: 'granted', token: a.token + 1 });
  });

  it('[L4] renew extends the lease only with the current token', async () => {
    const name = 'renew-me';
    const a = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid(), ttlMs: 5_000 })).body,
    );
    if (a.status !== 'granted') throw new Error('expected a grant');
    const r = await post(editor.cookie, spaceId, name, 'renew', { token: a.token, ttlMs: 60_000 });
    expect(r.status).toBe(200);
    expect(v.parse(RenewResponseSchema, r.body).expiresAt).toBeGreaterThan(a.expiresAt ?? Infinity);
    expect((await post(editor2.cookie, spaceId, name, 'renew', { token: a.token })).status).toBe(409);
    expect((await post(editor.cookie, spaceId, name, 'renew', { token: a.token + 1 })).status).toBe(409);
  });

  it('[L8] viewers cannot lock, editors cannot break, an owner breaks and is recorded', async () => {
    const name = 'stuck.bin';
    expect((await post(viewer.cookie, spaceId, name, 'acquire', { requestId: rid() })).status).toBe(403);
    const a = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
    );
    expect((await post(editor2.cookie, spaceId, name, 'break', {})).status).toBe(403);
    const broken = await post(owner.cookie, spaceId, name, 'break', { reason: 'gone home' });
    expect(broken.body).toMatchObject({
      status: 'broken',
      token: a.status === 'granted' ? a.token : -1,
      holder: { userId: editor.userId },
    });
    expect((await post(owner.cookie, spaceId, name, 'break', {})).status).toBe(409);
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, name, 'history'), { cookie: viewer.cookie })).json(),
    );
    const entry = history.entries.find((e) => e.kind === 'broken');
    expect(entry).toMatchObject({ userId: owner.userId, username: owner.username, token: 1 });
    expect(entry?.detail).toContain('gone home');
  });

  it('[L17] the lock list names who waits, in line order, and forgets a waiter who cancels', async () => {
    const name = 'notes/waiters.md';
    await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() });
    const leaving = rid();
    await post(editor2.cookie, spaceId, name, 'acquire', { requestId: leaving, waitMs: 60_000 });
    await post(owner.cookie, spaceId, name, 'acquire', { requestId: rid(), waitMs: 60_000 });
    const summary = async () =>
      v.parse(
        LockSummarySchema,
        await (await api(lockPath(spaceId, name), { cookie: viewer.cookie })).json(),
      );
    expect((await summary()).waiters?.map((w) => w.username)).toEqual([editor2.username, owner.username]);
    await post(editor2.cookie, spaceId, name, 'cancel', { requestId: leaving });
    expect(await summary()).toMatchObject({ queueLength: 1, waiters: [{ username: owner.username }] });
  });

  it("[L10] history lists every grant, release and break, as JSON pages and as CSV; a renewal moves its grant's end", async () => {
    const name = 'history/all.txt';
    const a = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
    );
    if (a.status !== 'granted') throw new Error('expected a grant');
    await post(editor.cookie, spaceId, name, 'renew', { token: a.token });
    await post(editor.cookie, spaceId, name, 'release', { token: a.token });
    await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() });
    await post(owner.cookie, spaceId, name, 'break', {});
    const page1 = v.parse(
      LockHistoryResponseSchema,
      await (await api(`${lockPath(spaceId, name, 'history')}?limit=2`, { cookie: viewer.cookie })).json(),
    );
    expect(page1.entries.map((e) => e.kind)).toEqual(['granted', 'released']);
    expect(page1.entries[0]?.detail).toMatch(/^lease of 60000 ms, renewed until \d{4}-/);
    const page2 = v.parse(
      LockHistoryResponseSchema,
      await (
        await api(`${lockPath(spaceId, name, 'history')}?after=${page1.next}`, { cookie: viewer.cookie })
      ).json(),
    );
    expect(page2.entries.map((e) => `${e.kind}:${e.token}`)).toEqual(['granted:2', 'broken:2']);
    expect(page2.next).toBeNull();
    const csv = await api(`${lockPath(spaceId, name, 'history')}?format=csv`, { cookie: viewer.cookie });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('seq,at,kind,token,request_id,user_id,username,detail,via');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['granted', 'released', 'granted', 'broken']);
    // [L20] every line names the front of its grant: these came in through the app.
    expect(lines.slice(1).every((l) => l.endsWith(',app'))).toBe(true);
  });

  it.each([
    ['an empty name', '%20', { requestId: 'req-12345678' }],
    ['a control character', 'a%00b', { requestId: 'req-12345678' }],
    ['an over-long name', 'x'.repeat(513), { requestId: 'req-12345678' }],
    ['a .. segment', 'a%2F..%2Fb', { requestId: 'req-12345678' }],
    ['a TTL under 1 s', 'ok-name', { requestId: 'req-12345678', ttlMs: 999 }],
    ['a TTL over 1 h', 'ok-name', { requestId: 'req-12345678', ttlMs: 3_600_001 }],
    ['a bad request id', 'ok-name', { requestId: 'x' }],
    ['an unknown field', 'ok-name', { requestId: 'req-12345678', extra: 1 }],
  ])('bad input (%s) gets a 4xx with a code and stores nothing', async (_what, rawName, body) => {
    const res = await api(`/api/spaces/${spaceId}/locks/${rawName}/acquire`, {
      method: 'POST',
      cookie: editor.cookie,
      json: body,
    });
    expect(res.status).toBe(400);
    expect(v.parse(ErrorBodySchema, await res.json())).toMatchObject({ code: 'VALIDATION_FAILED' });
    const summary = v.parse(
      LockSummarySchema,
      await (await api(lockPath(spaceId, 'ok-name'), { cookie: editor.cookie })).json(),
    );
    expect(summary.lastToken).toBe(0);
  });

  it('an unknown space is a 404 and stores nothing', async () => {
    const res = await api(lockPath('AAAAAAAAAAAAAAAAAAAAAA', 'x', 'acquire'), {
      method: 'POST',
      cookie: editor.cookie,
      json: { requestId: rid() },
    });
    expect(res.status).toBe(404);
  });
});

describe('lock object', () => {
  it('[L6] the alarm expires a lease and grants the next waiter, and the fence learns both', async () => {
    const name = 'expiring';
    const a = v.parse(
      AcquireResponseSchema,
      (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid(), ttlMs: 1_000 })).body,
    );
    const waitId = rid();
    await post(editor2.cookie, spaceId, name, 'acquire', {
      requestId: waitId,
      waitMs: 60_000,
      ttlMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await runDurableObjectAlarm(lockStub(spaceId, name))).toBe(true);
    const state = await runInDurableObject(lockStub(spaceId, name), (_instance, ctx) =>
      ctx.storage.sql
        .exec<{ kind: string; token: number | null }>('SELECT kind, token FROM lock_history ORDER BY seq')
        .toArray(),
    );
    expect(state.map((r) => r.kind)).toEqual(['granted', 'queued', 'expired', 'granted']);
    expect(
      await spaceStubOf(spaceId).fenceCheck({
        name,
        token: a.status === 'granted' ? a.token : 0,
        userId: editor.userId,
      }),
    ).toMatchObject({ ok: false, reason: 'stale_token' });
    expect(await spaceStubOf(spaceId).fenceCheck({ name, token: null, userId: editor.userId })).toMatchObject(
      {
        ok: false,
        reason: 'locked',
        holderUserId: editor2.userId,
      },
    );
  });

  it('[L6] a late alarm does not matter: the next request applies the expiry itself', async () => {
    const name = 'expiring-no-alarm';
    await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid(), ttlMs: 1_000 });
    // Take the alarm away: only the check on the next request can expire the lease now.
    await runInDurableObject(lockStub(spaceId, name), (_instance, ctx) => ctx.storage.deleteAlarm());
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const b = await post(editor2.cookie, spaceId, name, 'acquire', { requestId: rid() });
    expect(b.body).toMatchObject({ status: 'granted', token: 2 });
  });

  it('[L3] the token grows after eviction', async () => {
    const name = 'evicted';
    for (let round = 1; round <= 3; round++) {
      const a = v.parse(
        AcquireResponseSchema,
        (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
      );
      expect(a).toMatchObject({ status: 'granted', token: round });
      if (a.status === 'granted') await post(editor.cookie, spaceId, name, 'release', { token: a.token });
      await evictDurableObject(lockStub(spaceId, name));
    }
  });

  it('[L9] a retried acquire after eviction neither grants again nor queues twice', async () => {
    const name = 'retry-evict';
    const id = rid();
    const first = (await post(editor.cookie, spaceId, name, 'acquire', { requestId: id })).body;
    await evictDurableObject(lockStub(spaceId, name));
    expect((await post(editor.cookie, spaceId, name, 'acquire', { requestId: id })).body).toEqual(first);
    const waitId = rid();
    await post(editor2.cookie, spaceId, name, 'acquire', { requestId: waitId, waitMs: 60_000 });
    await evictDurableObject(lockStub(spaceId, name));
    expect(
      (await post(editor2.cookie, spaceId, name, 'acquire', { requestId: waitId, waitMs: 60_000 })).body,
    ).toMatchObject({ status: 'queued', position: 1 });
    const summary = v.parse(
      LockSummarySchema,
      await (await api(lockPath(spaceId, name), { cookie: editor.cookie })).json(),
    );
    expect(summary).toMatchObject({ lastToken: 1, queueLength: 1 });
  });

  it('[L11] when a grant is answered, the fence already holds its token', async () => {
    const name = 'fenced';
    for (let i = 0; i < 3; i++) {
      const a = v.parse(
        AcquireResponseSchema,
        (await post(editor.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
      );
      if (a.status !== 'granted') throw new Error('expected a grant');
      expect(await spaceStubOf(spaceId).fenceCheck({ name, token: a.token, userId: editor.userId })).toEqual({
        ok: true,
      });
      expect(
        await spaceStubOf(spaceId).fenceCheck({ name, token: a.token - 1, userId: editor.userId }),
      ).toMatchObject({
        ok: false,
        reason: 'stale_token',
      });
      await post(editor.cookie, spaceId, name, 'release', { token: a.token });
    }
  });

  it('uses one object per (space, name)', () => {
    expect(env.LOCKS.idFromName(`${spaceId}\u0000a`).equals(env.LOCKS.idFromName(`${spaceId}\u0000b`))).toBe(
      false,
    );
  });
});

describe('fence', () => {
  it('[L11] tokens only rise whatever order reports arrive in, and a lease whose end was never reported lapses', async () => {
    await runInDurableObject(spaceStubOf(spaceId), (_instance, ctx) => {
      let now = 1_000_000;
      const fence = new Fence(ctx.storage.sql, () => now);
      const summary = (rev: number, token: number | null, expiresAt: number | null = now + 10_000) => ({
        name: 'fence-unit',
        holder:
          token === null
            ? null
            : {
                userId: `u${token}`,
                username: `u${token}`,
                token,
                kind: expiresAt === null ? ('checkout' as const) : ('lease' as const),
                via: 'app' as const,
                grantedAt: now,
                expiresAt,
              },
        lastToken: token ?? 0,
        queueLength: 0,
        rev,
      });
      fence.apply({
        name: 'fence-unit',
        granted: { token: 2, userId: 'u2' },
        freedToken: 1,
        summary: summary(4, 2),
        stake: ['u2'],
      });
      // A late report of token 1's grant changes nothing.
      fence.apply({
        name: 'fence-unit',
        granted: { token: 1, userId: 'u1' },
        freedToken: null,
        summary: summary(1, 1),
        stake: ['u1'],
      });
      expect(fence.current('fence-unit')).toEqual({ token: 2, held: true, holderUserId: 'u2' });
      expect(fence.check('fence-unit', 1, 'u1')).toMatchObject({ ok: false, reason: 'stale_token' });
      expect(fence.check('fence-unit', 2, 'u1')).toMatchObject({ ok: false, reason: 'locked' });
      expect(fence.check('fence-unit', null, 'u3')).toMatchObject({ ok: false, reason: 'locked' });
      expect(fence.check('fence-unit', 2, 'u2')).toEqual({ ok: true });
      now += 10_000 + FENCE_GRACE_MS;
      expect(fence.current('fence-unit')).toEqual({ token: 2, held: false, holderUserId: null });
      expect(fence.check('fence-unit', null, 'u3')).toEqual({ ok: true });
      expect(fence.check('fence-unit', 1, 'u1')).toMatchObject({ ok: false, reason: 'stale_token' });
    });
  });
});
