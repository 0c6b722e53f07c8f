import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AcquireResponseSchema,
  LockHistoryResponseSchema,
  LockSocketServerMessageSchema,
} from '#shared/locks/schemas';
import { LockClient } from '../../web/src/lib/locks/lock-client';
import { apiClient, type TestUser } from '../support/api-client';
import { freePort, startLocalServer, type LocalServer } from '../support/local-server';

const LEASE_MS = 25_000; // long enough to kill and restart wrangler on a loaded machine inside it
const NAME = 'designs/restart.psd';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function socketHeaders(baseUrl: string, user: TestUser) {
  return { cookie: user.cookie, origin: new URL(baseUrl).origin };
}

function lockClientFor(baseUrl: string, spaceId: string, user: TestUser): LockClient {
  const headers = socketHeaders(baseUrl, user);
  // Node's WebSocket (undici) takes headers in its second argument; browsers send the cookie themselves.
  const openSocket = (url: string) => new WebSocket(url, { headers } as unknown as string[]);
  return new LockClient({ baseUrl, spaceId, headers, openSocket });
}

/** A bare lock socket that queues one acquire and never reconnects (a client that died with the server). */
async function queueOnce(
  baseUrl: string,
  spaceId: string,
  user: TestUser,
  requestId: string,
): Promise<WebSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/spaces/${spaceId}/locks/${encodeURIComponent(NAME)}/socket`;
  const ws = new WebSocket(url, { headers: socketHeaders(baseUrl, user) } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('lock socket failed to open')));
  });
  const reply = new Promise<unknown>((resolve) =>
    ws.addEventListener('message', (event) => resolve(JSON.parse(String(event.data)))),
  );
  ws.send(JSON.stringify({ op: 'acquire', id: 1, requestId, waitMs: 120_000, ttlMs: 60_000 }));
  const parsed = v.parse(LockSocketServerMessageSchema, await reply);
  expect(parsed).toMatchObject({ type: 'reply', id: 1, result: { status: 'queued', position: 1 } });
  return ws;
}

describe('[L14] a lock after a server crash', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'baton-restart-'));
  const assetsDir = mkdtempSync(join(tmpdir(), 'baton-restart-assets-'));
  let server: LocalServer | null = null;

  afterAll(async () => {
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(assetsDir, { recursive: true, force: true });
  });

  it('[L14] killed and restarted with two socket waiters, one gone for good: the live one is granted at the lease end, the dead one never', async () => {
    const port = await freePort();
    server = await startLocalServer({ stateDir, port, assetsDir });
    const api = apiClient(server.baseUrl);
    const owner = await api.signUp();
    const { spaceId } = await api.createSpace(owner.cookie, 'Restart');
    const gone = await api.addMember(owner.cookie, spaceId, 'editor');
    const live = await api.addMember(owner.cookie, spaceId, 'editor');

    const held = await api.api(`/api/spaces/${spaceId}/locks/${encodeURIComponent(NAME)}/acquire`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { requestId: 'holder-request-1', ttlMs: LEASE_MS },
    });
    const lease = v.parse(AcquireResponseSchema, await held.json());
    if (lease.status !== 'granted') throw new Error('expected the holder to be granted');

    await queueOnce(server.baseUrl, spaceId, gone, 'gone-request-1');
    const client = lockClientFor(server.baseUrl, spaceId, live);
    let position = 0;
    const waiting = client.acquire(NAME, {
      ttlMs: 10_000,
      waitMs: 120_000,
      autoRenew: false,
      onQueued: (p) => (position ||= p),
    });
    while (position === 0) await sleep(20);
    expect(position).toBe(2);

    await server.kill();
    server = await startLocalServer({ stateDir, port, assetsDir });

    const outcome = await waiting;
    const grantedAt = Date.now();
    expect(outcome.status).toBe('granted');
    if (outcome.status !== 'granted') return;
    expect(outcome.lock.token).toBe(lease.token + 1);
    if (lease.expiresAt === null) throw new Error('a lease has an expiry (it is not a checkout)');
    const delayMs = grantedAt - lease.expiresAt;
    console.log(`[L14] the live waiter was granted ${delayMs} ms after the lease's end`);
    // Generous bound (a loaded machine), not a timing assertion: without L14 the dead waiter's
    // 60 s lease would come first.
    expect(delayMs).toBeLessThan(30_000);

    const res = await api.api(`/api/spaces/${spaceId}/locks/${encodeURIComponent(NAME)}/history`, {
      cookie: owner.cookie,
    });
    const entries = v.parse(LockHistoryResponseSchema, await res.json()).entries;
    const grants = entries.filter((e) => e.kind === 'granted').map((e) => e.userId);
    expect(grants).toEqual([owner.userId, live.userId]);
    expect(entries.find((e) => e.kind === 'left_queue' && e.userId === gone.userId)?.detail).toBe(
      'its connection was lost in a restart',
    );
    await outcome.lock.release();
    client.close();
  }, 180_000);
});
