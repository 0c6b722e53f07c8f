import { runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { LockHistoryResponseSchema, LockSummarySchema } from '#shared/locks/schemas';
import {
  NoticeListResponseSchema,
  NoticeMessageSchema,
  VapidKeyResponseSchema,
  type NoticeMessage,
} from '#shared/notices/schemas';
import { api } from './support/accounts';
import {
  checkoutToken,
  lockPath,
  post,
  spaceStubOf,
  spaceWithPeople,
  TestSocket,
  type Person,
} from './locks-support';

// People around a check-out through the real routes and objects: asking the holder (L26), the
// holder's answer and hand-over (L27), "notify me" (L28), notices kept for later (L29), and the
// check-in comment (L30).

let owner: Person;
let ana: Person; // holds
let bob: Person; // asks
let viewer: Person;
let spaceId: string;

beforeAll(async () => {
  ({ spaceId, owner, ana, bob, viewer } = await spaceWithPeople());
});

const checkout = (person: Person, name: string) => checkoutToken(person.cookie, spaceId, name);

const isNotice = (message: unknown): message is NoticeMessage => v.is(NoticeMessageSchema, message);

async function notices(person: Person, after = 0) {
  const res = await api(`/api/spaces/${spaceId}/notices?after=${after}`, { cookie: person.cookie });
  expect(res.status).toBe(200);
  return v.parse(NoticeListResponseSchema, await res.json());
}

async function history(name: string) {
  const res = await api(lockPath(spaceId, name, 'history'), { cookie: owner.cookie });
  return v.parse(LockHistoryResponseSchema, await res.json()).entries;
}

describe('asking for a check-out', () => {
  it('[L26] an ask reaches only the holder, live, with the message; the history records it; the holder answers "5 more minutes"', async () => {
    const name = 'designs/logo.psd';
    const token = await checkout(ana, name);
    const anaSocket = await TestSocket.open(ana.cookie, `/api/spaces/${spaceId}/socket`);
    const bobSocket = await TestSocket.open(bob.cookie, `/api/spaces/${spaceId}/socket`);
    const asked = await post(bob.cookie, spaceId, name, 'ask', { message: '  I need the logo before 5 ' });
    expect(asked).toMatchObject({
      status: 200,
      body: { status: 'asked', holder: { username: ana.username } },
    });

    const notice = (await anaSocket.next(isNotice)).notice;
    expect(notice).toMatchObject({
      kind: 'asked',
      lock: name,
      title: name,
      from: bob.username,
      message: 'I need the logo before 5',
      askerId: bob.userId,
    });
    // Nobody else hears the message (the space hears a lock event without it).
    expect(bobSocket.messages.filter(isNotice)).toEqual([]);
    const summary = v.parse(
      LockSummarySchema,
      await (await api(lockPath(spaceId, name), { cookie: bob.cookie })).json(),
    );
    expect(summary.asks).toMatchObject([{ username: bob.username, answered: false }]);

    const answered = await post(ana.cookie, spaceId, name, 'answer', { token, to: bob.userId, minutes: 5 });
    expect(answered).toMatchObject({ status: 200, body: { status: 'answered' } });
    const answer = (await bobSocket.next(isNotice)).notice;
    expect(answer).toMatchObject({ kind: 'answered', from: ana.username, message: '5 more minutes' });
    expect((await history(name)).map((e) => [e.kind, e.username, e.detail])).toEqual(
      expect.arrayContaining([
        ['asked', bob.username, 'I need the logo before 5'],
        ['answered', ana.username, `to ${bob.username}: 5 more minutes`],
      ]),
    );
    anaSocket.ws.close();
    bobSocket.ws.close();
  });

  it('[L27][L30] the holder hands over to the asker with a check-in comment: the asker holds a checkout and is told', async () => {
    const name = 'hand-over.md';
    const token = await checkout(ana, name);
    await post(bob.cookie, spaceId, name, 'ask', {});
    const bobSocket = await TestSocket.open(bob.cookie, `/api/spaces/${spaceId}/socket`);
    const handed = await post(ana.cookie, spaceId, name, 'hand-over', {
      token,
      to: bob.userId,
      comment: 'logo done',
    });
    expect(handed).toMatchObject({ status: 200, body: { status: 'handed_over', token: token + 1 } });
    const notice = (await bobSocket.next(isNotice)).notice;
    expect(notice).toMatchObject({ kind: 'granted', from: ana.username, message: 'logo done' });
    // Bob's device takes it up by the request id it was told (L9): the same grant.
    const taken = await post(bob.cookie, spaceId, name, 'acquire', {
      requestId: notice.requestId,
      kind: 'checkout',
    });
    expect(taken.body).toMatchObject({ status: 'granted', token: token + 1, expiresAt: null });
    const released = (await history(name)).find((e) => e.kind === 'released');
    expect(released).toMatchObject({
      username: ana.username,
      detail: `handed over to ${bob.username}: logo done`,
    });
    // Ana holds it no longer; nobody can be handed a lock without asking.
    expect((await post(ana.cookie, spaceId, name, 'release', { token })).status).toBe(409);
    expect(
      (await post(bob.cookie, spaceId, name, 'hand-over', { token: token + 1, to: ana.userId })).status,
    ).toBe(404);
    bobSocket.ws.close();
  });

  it('[L30] a release from the app keeps its check-in comment in the lock history', async () => {
    const name = 'comment.md';
    const token = await checkout(ana, name);
    const res = await post(ana.cookie, spaceId, name, 'release', { token, comment: 'fixed the totals' });
    expect(res.status).toBe(200);
    expect((await history(name)).at(-1)).toMatchObject({ kind: 'released', detail: 'fixed the totals' });
  });

  it('[L28][L29] "notify me" tells the person once when it is free; offline, the notice waits for them', async () => {
    const name = 'watched.md';
    const token = await checkout(ana, name);
    const before = (await notices(bob)).head;
    expect(await post(bob.cookie, spaceId, name, 'watch', { notify: true })).toMatchObject({
      status: 200,
      body: { status: 'watching' },
    });
    // Bob has no socket open: the notice is kept for when a device of his comes back.
    await post(ana.cookie, spaceId, name, 'release', { token });
    await new Promise((resolve) => setTimeout(resolve, 100)); // a release's report may ride 25 ms later
    const missed = await notices(bob, before);
    expect(missed.notices).toMatchObject([
      { kind: 'free', lock: name, from: ana.username, message: `${ana.username} released it` },
    ]);
    expect(missed.enabled).toBe(true);
    // Once: the next release tells nobody.
    const again = await checkout(ana, name);
    await post(ana.cookie, spaceId, name, 'release', { token: again });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await notices(bob, before)).notices).toHaveLength(1);
    // Ana's notices are hers: Bob's are not among them.
    expect((await notices(ana, before)).notices.filter((n) => n.kind === 'free')).toEqual([]);
  });

  it('[L26] bad input and the wrong role change nothing: viewers cannot ask or watch; asking a free lock or your own is refused', async () => {
    const name = 'roles.md';
    expect((await post(bob.cookie, spaceId, name, 'ask', {})).status).toBe(409);
    const token = await checkout(ana, name);
    expect((await post(viewer.cookie, spaceId, name, 'ask', { message: 'please' })).status).toBe(403);
    expect((await post(viewer.cookie, spaceId, name, 'watch', { notify: true })).status).toBe(403);
    expect((await post(ana.cookie, spaceId, name, 'ask', {})).body).toMatchObject({ code: 'CONFLICT' });
    expect((await post(bob.cookie, spaceId, name, 'ask', { message: 'x'.repeat(201) })).status).toBe(400);
    expect((await post(bob.cookie, spaceId, name, 'ask', { to: 'someone' })).status).toBe(400);
    expect(
      (await post(bob.cookie, spaceId, name, 'answer', { token, to: ana.userId, minutes: 5 })).status,
    ).toBe(409);
    expect(
      (await post(ana.cookie, spaceId, name, 'answer', { token, to: bob.userId, minutes: 0 })).status,
    ).toBe(400);
    expect((await history(name)).filter((e) => e.kind === 'asked')).toEqual([]);
  });

  it('[L29] notifications can be turned off per space; push subscriptions must name a push service', async () => {
    const settings = await api(`/api/spaces/${spaceId}/notices/settings`, {
      method: 'PUT',
      cookie: viewer.cookie,
      json: { enabled: false },
    });
    expect(settings.status).toBe(200);
    expect((await notices(viewer)).enabled).toBe(false);
    const keys = { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) };
    const local = await api(`/api/spaces/${spaceId}/push-subscriptions`, {
      method: 'POST',
      cookie: viewer.cookie,
      json: { endpoint: 'http://127.0.0.1:9/push', keys },
    });
    expect(local.status).toBe(400);
    const ok = await api(`/api/spaces/${spaceId}/push-subscriptions`, {
      method: 'POST',
      cookie: viewer.cookie,
      json: { endpoint: 'https://push.example.com/send/abc', keys },
    });
    expect(ok.status).toBe(201);
    const key = await api('/api/push/key', { cookie: viewer.cookie });
    const { publicKey } = v.parse(VapidKeyResponseSchema, await key.json());
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    // A member who leaves the space takes their devices with them: no more pushes from it.
    const subscribed = () =>
      runInDurableObject(
        spaceStubOf(spaceId),
        (_instance, ctx) =>
          ctx.storage.sql.exec('SELECT 1 FROM push_subscriptions WHERE user_id = ?', viewer.userId).toArray()
            .length,
      );
    expect(await subscribed()).toBe(1);
    const removed = await api(`/api/spaces/${spaceId}/members/${viewer.userId}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    expect(removed.status).toBe(204);
    expect(await subscribed()).toBe(0);
  });
});
