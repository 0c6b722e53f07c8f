import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushPayloadSchema, VapidKeyResponseSchema } from '../../shared/src/notices/schemas';
import { apiClient, type TestUser } from '../support/api-client';
import { startLocalServer, type LocalServer } from '../support/local-server';
import {
  decryptPush,
  startPushEndpoint,
  subscriberKeys,
  verifyVapid,
  type SubscriberKeys,
} from '../support/push-endpoint';

// Web Push end to end (docs/spec/locks.md L29): the real server sends its push messages to a local
// RFC 8030 endpoint run by this test, which decrypts them with the subscription's own keys (RFC
// 8291 aes128gcm, a real round trip) and checks the VAPID signature (RFC 8292). A 404 or 410 from
// the endpoint drops the subscription.

describe('Web Push to a local push endpoint', () => {
  let server: LocalServer;
  let endpoint: Awaited<ReturnType<typeof startPushEndpoint>>;
  let client: ReturnType<typeof apiClient>;
  let ana: TestUser;
  let bob: TestUser;
  let spaceId: string;
  let keys: SubscriberKeys;

  beforeAll(async () => {
    server = await startLocalServer({ vars: { PUSH_LOCAL_ENDPOINTS: 'true' } });
    endpoint = await startPushEndpoint((path) =>
      path.startsWith('/gone') ? 410 : path.startsWith('/lost') ? 404 : 201,
    );
    client = apiClient(server.baseUrl);
    ana = await client.signUp();
    ({ spaceId } = await client.createSpace(ana.cookie, 'Push'));
    bob = await client.addMember(ana.cookie, spaceId, 'editor');
    keys = await subscriberKeys();
  });
  afterAll(async () => {
    await endpoint?.close();
    await server?.stop();
  });

  const lock = (name: string, action: string) =>
    `/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}/${action}`;

  async function subscribe(person: TestUser, path: string, subscriber: SubscriberKeys): Promise<void> {
    const res = await client.api(`/api/spaces/${spaceId}/push-subscriptions`, {
      method: 'POST',
      cookie: person.cookie,
      json: { endpoint: `${endpoint.url}${path}`, expirationTime: null, keys: subscriber.json },
    });
    expect(res.status).toBe(201);
  }

  /** Ana takes and releases `name` while bob, with no page open, asked to be told. */
  async function releaseWatched(name: string): Promise<void> {
    const took = await client.api(lock(name, 'acquire'), {
      method: 'POST',
      cookie: ana.cookie,
      json: { requestId: `req-${name.replaceAll(/\W/g, '')}-${Date.now()}`, kind: 'checkout' },
    });
    const { token } = (await took.json()) as { token: number };
    const watch = await client.api(lock(name, 'watch'), {
      method: 'POST',
      cookie: bob.cookie,
      json: { notify: true },
    });
    expect(await watch.json()).toEqual({ status: 'watching' });
    const released = await client.api(lock(name, 'release'), {
      method: 'POST',
      cookie: ana.cookie,
      json: { token },
    });
    expect(released.status).toBe(200);
  }

  it('[L29] a release bob asked to hear about reaches his device by Web Push, encrypted for it and signed by the server', async () => {
    await subscribe(bob, '/bob-laptop', keys);
    await releaseWatched('designs/logo.psd');
    await expect
      .poll(() => endpoint.received.filter((r) => r.path === '/bob-laptop').length, { timeout: 10_000 })
      .toBe(1);
    const message = endpoint.received.find((r) => r.path === '/bob-laptop');
    if (!message) throw new Error('no push');
    expect(message.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(message.headers['ttl'])).toBeGreaterThan(0);
    const { publicKey } = v.parse(
      VapidKeyResponseSchema,
      await (await client.api('/api/push/key', { cookie: bob.cookie })).json(),
    );
    const claims = await verifyVapid(String(message.headers['authorization']), publicKey);
    expect(claims['aud']).toBe(`https://127.0.0.1:${new URL(endpoint.url).port}`);
    const payload = v.parse(PushPayloadSchema, JSON.parse(await decryptPush(message.body, keys)));
    expect(payload).toMatchObject({
      title: '“designs/logo.psd” is free',
      body: `“designs/logo.psd” is free again: ${ana.username} released it.`,
      url: `/spaces/${encodeURIComponent(spaceId)}/locks`,
      notice: { kind: 'free', lock: 'designs/logo.psd', from: ana.username },
    });
    // Another key cannot read it.
    await expect(decryptPush(message.body, await subscriberKeys())).rejects.toThrow();
  });

  it('[L29] a subscription the push service answers 410 or 404 for is dropped; nothing is pushed when notifications are off', async () => {
    await subscribe(bob, '/gone-phone', await subscriberKeys());
    await subscribe(bob, '/lost-tablet', await subscriberKeys());
    await releaseWatched('minutes.md');
    await expect
      .poll(() => endpoint.received.filter((r) => r.path === '/gone-phone').length, { timeout: 10_000 })
      .toBe(1);
    const laptopBefore = endpoint.received.filter((r) => r.path === '/bob-laptop').length;
    await releaseWatched('minutes-2.md');
    await expect
      .poll(() => endpoint.received.filter((r) => r.path === '/bob-laptop').length, { timeout: 10_000 })
      .toBe(laptopBefore + 1);
    expect(endpoint.received.filter((r) => r.path === '/gone-phone')).toHaveLength(1);
    expect(endpoint.received.filter((r) => r.path === '/lost-tablet')).toHaveLength(1);

    const off = await client.api(`/api/spaces/${spaceId}/notices/settings`, {
      method: 'PUT',
      cookie: bob.cookie,
      json: { enabled: false },
    });
    expect(off.status).toBe(200);
    const total = endpoint.received.length;
    await releaseWatched('budget.md');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(endpoint.received).toHaveLength(total);
    // The notice is still kept for the app.
    const list = (await (
      await client.api(`/api/spaces/${spaceId}/notices`, { cookie: bob.cookie })
    ).json()) as {
      notices: { lock: string }[];
    };
    expect(list.notices.map((n) => n.lock)).toContain('budget.md');
  });
});
