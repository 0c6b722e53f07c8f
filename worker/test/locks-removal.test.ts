import * as v from 'valibot';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LockEventMessageSchema,
  LockHistoryResponseSchema,
  LockSummarySchema,
  type LockEventMessage,
  type LockHistoryEntry,
} from '#shared/locks/schemas';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { grantedToken, lockPath, lockStub, post, rid, TestSocket } from './locks-support';
import { clientId, mutation, push } from './support/sync';

// Several-MiB bodies and several objects per test: generous on a loaded machine.
vi.setConfig({ testTimeout: 30_000 });
type User = { cookie: string; userId: string; username: string };
let owner: User;
let spaceId: string;

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
});

const granted = (cookie: string, name: string) => grantedToken(cookie, spaceId, name);

async function history(name: string): Promise<LockHistoryEntry[]> {
  const res = await api(lockPath(spaceId, name, 'history'), { cookie: owner.cookie });
  return v.parse(LockHistoryResponseSchema, await res.json()).entries;
}

async function summary(name: string) {
  return v.parse(
    LockSummarySchema,
    await (await api(lockPath(spaceId, name), { cookie: owner.cookie })).json(),
  );
}

async function grantedTokenOf(userId: string, name: string): Promise<number> {
  const holder = (await summary(name)).holder;
  if (holder?.userId !== userId) throw new Error(`${name} is not held by ${userId}`);
  return holder.token;
}

const removeMember = (userId: string) =>
  api(`/api/spaces/${spaceId}/members/${userId}`, { method: 'DELETE', cookie: owner.cookie });
const demote = (userId: string) =>
  api(`/api/spaces/${spaceId}/members/${userId}`, {
    method: 'PATCH',
    cookie: owner.cookie,
    json: { role: 'viewer' },
  });

const isEvent =
  (kind: string, name: string) =>
  (m: unknown): m is LockEventMessage => {
    const parsed = v.safeParse(LockEventMessageSchema, m);
    return parsed.success && parsed.output.kind === kind && parsed.output.lock.name === name;
  };

function closed(socket: TestSocket): Promise<number> {
  return new Promise((resolve) => socket.ws.addEventListener('close', (event) => resolve(event.code)));
}

describe('[L13] losing the editor role ends a member’s place on every lock at once', () => {
  it('[L13] a removed member’s queued requests (socket and HTTP) are cancelled; the next editor is granted', async () => {
    const name = 'removal/queued.psd';
    const leaving = await addMember(owner.cookie, spaceId, 'editor');
    const staying = await addMember(owner.cookie, spaceId, 'editor');
    const holderToken = await granted(owner.cookie, name);

    const socket = await TestSocket.open(leaving.cookie, lockPath(spaceId, name, 'socket'));
    const socketClosed = closed(socket);
    const queuedOnSocket = await socket.command({ op: 'acquire', requestId: rid(), waitMs: 60_000 });
    expect(queuedOnSocket).toMatchObject({ result: { status: 'queued', position: 1 } });
    const httpQueued = await post(leaving.cookie, spaceId, name, 'acquire', {
      requestId: rid(),
      waitMs: 60_000,
    });
    expect(httpQueued.body).toMatchObject({ status: 'queued', position: 2 });
    const stayingId = rid();
    expect(
      (await post(staying.cookie, spaceId, name, 'acquire', { requestId: stayingId, waitMs: 60_000 })).body,
    ).toMatchObject({ status: 'queued', position: 3 });

    expect((await removeMember(leaving.userId)).status).toBe(204);
    // At once: their lock socket is closed and they are out of the queue before the route answered.
    expect(await socketClosed).toBe(4003);
    expect((await summary(name)).queueLength).toBe(1);
    const left = (await history(name)).filter((e) => e.kind === 'left_queue' && e.userId === leaving.userId);
    expect(left).toHaveLength(2);
    for (const entry of left) expect(entry.detail).toMatch(/no longer an editor/);

    expect((await post(owner.cookie, spaceId, name, 'release', { token: holderToken })).status).toBe(200);
    const after = await summary(name);
    expect(after.holder).toMatchObject({ userId: staying.userId, token: holderToken + 1 });
    const grants = (await history(name)).filter((e) => e.kind === 'granted');
    expect(grants.map((e) => e.userId)).toEqual([owner.userId, staying.userId]);
  });

  it('[L13] a demoted holder’s lease ends at once, with a live event, and the next waiter is granted at once', async () => {
    const itemId = 'removalnote01';
    const demoted = await addMember(owner.cookie, spaceId, 'editor');
    const live = await TestSocket.open(owner.cookie, `/api/spaces/${spaceId}/socket`);
    const token = await granted(demoted.cookie, itemId);
    const client = clientId();
    const blocked = await push(owner.cookie, spaceId, client, [mutation(client, itemId, { title: 'owner' })]);
    expect(blocked.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
    const waiting = await addMember(owner.cookie, spaceId, 'editor');
    expect(
      (await post(waiting.cookie, spaceId, itemId, 'acquire', { requestId: rid(), waitMs: 60_000 })).body,
    ).toMatchObject({ status: 'queued', position: 1 });

    expect((await demote(demoted.userId)).status).toBe(200);
    expect(await live.next(isEvent('broken', itemId))).toMatchObject({ token });
    // The next waiter is granted at once (fenced before the demotion answered).
    expect((await summary(itemId)).holder).toMatchObject({ userId: waiting.userId, token: token + 1 });
    const entry = (await history(itemId)).find((e) => e.kind === 'broken');
    expect(entry).toMatchObject({ token, userId: demoted.userId });
    expect(entry?.detail).toMatch(/no longer an editor/);
    const next = await grantedTokenOf(waiting.userId, itemId);
    const write = await push(waiting.cookie, spaceId, client, [
      mutation(client, itemId, { title: 'next holder' }, { lock: { name: itemId, token: next } }),
    ]);
    expect(write.results[0]).toMatchObject({ status: 'applied' });
    // The demoted member's old token is no claim any more.
    const stale = await push(owner.cookie, spaceId, client, [
      mutation(client, itemId, { title: 'stale' }, { lock: { name: itemId, token } }),
    ]);
    expect(stale.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
    live.ws.close();
  });

  it('[L13] a request that reaches the lock after the removal (authorized just before it) is dropped too', async () => {
    const name = 'removal/late.txt';
    const late = await addMember(owner.cookie, spaceId, 'editor');
    await granted(owner.cookie, name);
    expect((await removeMember(late.userId)).status).toBe(204);
    // The route checked the role before the removal; its RPC arrives after it.
    const answer = await lockStub(spaceId, name).acquire(
      { spaceId, name },
      { userId: late.userId, username: late.username },
      { requestId: rid(), waitMs: 60_000 },
    );
    expect(answer).toMatchObject({ status: 'queued' });
    // The space sees a non-editor among the lock's waiters in the lock's report and drops it.
    const deadline = Date.now() + 10_000;
    while ((await summary(name)).queueLength > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await summary(name)).queueLength).toBe(0);
    expect((await history(name)).some((e) => e.kind === 'left_queue' && e.userId === late.userId)).toBe(true);
  });
});
