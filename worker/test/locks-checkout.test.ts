import { runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_TTL_MAX_MS } from '#shared/locks/limits';
import {
  AcquireResponseSchema,
  LockEventMessageSchema,
  LockHistoryResponseSchema,
  LockListResponseSchema,
  RenewResponseSchema,
} from '#shared/locks/schemas';
import { Fence } from '../src/space/fence';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, push } from './support/sync';
import { lockPath, lockStub, post, rid, spaceStubOf, TestSocket } from './locks-support';

// Checkouts (L19: no lease, held until released or broken, still fenced and queued) and the
// front a grant came in on (L20), through the real routes and objects.

let owner: { cookie: string; userId: string; username: string };
let editor: { cookie: string; userId: string; username: string };
let editor2: { cookie: string; userId: string; username: string };
let spaceId: string;

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  editor = await addMember(owner.cookie, spaceId, 'editor');
  editor2 = await addMember(owner.cookie, spaceId, 'editor');
});

async function checkout(cookie: string, name: string, extra: Record<string, unknown> = {}) {
  const res = await post(cookie, spaceId, name, 'acquire', { requestId: rid(), kind: 'checkout', ...extra });
  expect(res.status).toBe(200);
  return v.parse(AcquireResponseSchema, res.body);
}

describe('checkouts', () => {
  it('[L19] a checkout has no expiry and books no alarm; the fence holds it far past the longest lease', async () => {
    const name = 'art/hero.psd';
    const got = await checkout(editor.cookie, name);
    expect(got).toMatchObject({ status: 'granted', token: 1, expiresAt: null });
    const alarm = await runInDurableObject(lockStub(spaceId, name), (_i, ctx) => ctx.storage.getAlarm());
    expect(alarm).toBeNull();
    const list = v.parse(
      LockListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/locks`, { cookie: editor2.cookie })).json(),
    );
    expect(list.locks.find((l) => l.name === name)?.holder).toMatchObject({
      username: editor.username,
      kind: 'checkout',
      via: 'app',
      expiresAt: null,
    });
    // The space's fence, read with a clock a day past the longest lease, still counts it as held.
    const later = await runInDurableObject(spaceStubOf(spaceId), (_i, ctx) => {
      const fence = new Fence(ctx.storage.sql, () => Date.now() + 24 * LOCK_TTL_MAX_MS);
      return { current: fence.current(name), listed: fence.list(Date.now() + 24 * LOCK_TTL_MAX_MS) };
    });
    expect(later.current).toEqual({ token: 1, held: true, holderUserId: editor.userId });
    expect(later.listed.map((l) => l.name)).toContain(name);
    // Renewing has nothing to extend; the holder is told there is no expiry.
    const renew = await post(editor.cookie, spaceId, name, 'renew', { token: 1 });
    expect(v.parse(RenewResponseSchema, renew.body)).toEqual({
      status: 'renewed',
      token: 1,
      expiresAt: null,
    });
  });

  it('[L19] a write carrying an older token is refused once an owner broke the checkout and it moved on', async () => {
    const item = 'checkout-item';
    const client = clientId();
    const first = await checkout(editor.cookie, item);
    if (first.status !== 'granted') throw new Error(first.status);
    const mine = await push(editor.cookie, spaceId, client, [
      mutation(client, item, { title: 'mine' }, { lock: { name: item, token: first.token } }),
    ]);
    expect(mine.results[0]?.status).toBe('applied');
    // Someone else's write, without a token, is refused while the checkout is held.
    const other = clientId();
    const blocked = await push(editor2.cookie, spaceId, other, [mutation(other, item, { title: 'theirs' })]);
    expect(blocked.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
    // The waiter (FIFO) gets the checkout when the owner breaks it.
    const waitId = rid();
    const queued = await post(editor2.cookie, spaceId, item, 'acquire', {
      requestId: waitId,
      kind: 'checkout',
      waitMs: 60_000,
    });
    expect(queued.body).toMatchObject({ status: 'queued', position: 1 });
    expect((await post(editor.cookie, spaceId, item, 'break', {})).status).toBe(403);
    const broken = await post(owner.cookie, spaceId, item, 'break', { reason: 'left for the day' });
    expect(broken.status).toBe(200);
    const retry = await post(editor2.cookie, spaceId, item, 'acquire', {
      requestId: waitId,
      kind: 'checkout',
    });
    expect(retry.body).toMatchObject({ status: 'granted', token: first.token + 1, expiresAt: null });
    const stale = await push(editor.cookie, spaceId, client, [
      mutation(client, item, { title: 'late' }, { lock: { name: item, token: first.token } }),
    ]);
    expect(stale.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, item, 'history'), { cookie: editor.cookie })).json(),
    );
    expect(history.entries.map((e) => `${e.kind}:${e.username}:${e.detail}`)).toEqual([
      `granted:${editor.username}:checkout until released`,
      `queued:${editor2.username}:position 1`,
      `broken:${owner.username}:broke the checkout of ${editor.username}: left for the day`,
      `granted:${editor2.username}:checkout until released`,
    ]);
  });

  it('[L19] a checkout is taken on the lock socket too, and stays when that socket closes', async () => {
    const name = 'sounds/theme.wav';
    const socket = await TestSocket.open(editor.cookie, `${lockPath(spaceId, name)}/socket`);
    const reply = await socket.command({ op: 'acquire', requestId: rid(), kind: 'checkout' });
    expect(reply.result).toMatchObject({ status: 'granted', expiresAt: null });
    socket.ws.close();
    const busy = await post(editor2.cookie, spaceId, name, 'acquire', { requestId: rid() });
    expect(busy.body).toMatchObject({
      status: 'busy',
      holder: { username: editor.username, kind: 'checkout' },
    });
  });
});

describe('fronts', () => {
  it('[L20] a grant taken through another front keeps its label in the list, events, history and CSV', async () => {
    const name = 'models/ship.blend';
    const socket = await TestSocket.open(editor2.cookie, `/api/spaces/${spaceId}/socket`);
    const got = await lockStub(spaceId, name).acquire(
      { spaceId, name },
      { userId: editor.userId, username: editor.username },
      { requestId: rid(), kind: 'checkout' },
      'git-lfs',
    );
    expect(got).toMatchObject({ status: 'granted', expiresAt: null });
    const event = await socket.next((m): m is unknown => {
      const parsed = v.safeParse(LockEventMessageSchema, m);
      return parsed.success && parsed.output.lock.name === name;
    });
    expect(v.parse(LockEventMessageSchema, event)).toMatchObject({
      kind: 'granted',
      via: 'git-lfs',
      lock: { holder: { username: editor.username, via: 'git-lfs', kind: 'checkout' } },
    });
    socket.ws.close();
    const list = v.parse(
      LockListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/locks`, { cookie: owner.cookie })).json(),
    );
    expect(list.locks.find((l) => l.name === name)?.holder?.via).toBe('git-lfs');
    if (got.status !== 'granted') throw new Error(got.status);
    await post(editor.cookie, spaceId, name, 'release', { token: got.token });
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, name, 'history'), { cookie: owner.cookie })).json(),
    );
    expect(history.entries.map((e) => `${e.kind}:${e.via}`)).toEqual(['granted:git-lfs', 'released:git-lfs']);
    const csv = await (
      await api(`/api/spaces/${spaceId}/locks-history?format=csv`, { cookie: owner.cookie })
    ).text();
    const rows = csv.split('\r\n').filter((row) => row.startsWith(`${name},`));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.endsWith(',git-lfs')).toBe(true);
    expect(csv.split('\r\n')[0]).toBe('lock,seq,at,kind,token,request_id,user_id,username,detail,via');
  });

  it('[L20] the app cannot claim another front: the acquire body has no via field', async () => {
    const res = await post(editor.cookie, spaceId, 'spoofed', 'acquire', {
      requestId: rid(),
      via: 'git-lfs',
    });
    expect(res.status).toBe(400);
  });
});
