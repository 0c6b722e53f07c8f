import { createHash, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockSummarySchema } from '#shared/locks/schemas';
import { formatStamp } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import { PullResponseSchema, type Change } from '#shared/sync/protocol';
import { APP_VERSION } from '#shared/version';
import { api, createSpace, signIn, signUp, type TestUser } from '../support/api-client';
import { freePort } from '../support/local-server';
import { BatonContainer, buildImage, podman, requirePodman, runToEnd } from './container';

// The image built for real and run with Podman (docs/self-hosting.md, H-rules): data on a volume
// survives a clean stop, a kill and an upgrade; a rollback refuses to start.

const IMAGE = 'localhost/baton:test';
const volume = `baton-test-${randomUUID().slice(0, 8)}`;
const containers: BatonContainer[] = [];
let port = 0;

const client = 'containertest';
let made = 0;
function note(itemId: string, title: string): Mutation {
  made += 1;
  return {
    id: `mut${made}x${randomUUID().slice(0, 8)}`,
    itemId,
    kind: 'note',
    stamp: formatStamp({ wall: Date.now(), counter: made % 1000, node: client }),
    set: { title: { v: title, b: null } },
  };
}

async function start(env: Record<string, string> = {}): Promise<BatonContainer> {
  const container = await BatonContainer.start(IMAGE, volume, port, env);
  containers.push(container);
  return container;
}

async function pullAll(baseUrl: string, cookie: string, spaceId: string): Promise<Change[]> {
  const changes: Change[] = [];
  let after = 0;
  for (;;) {
    const res = await api(baseUrl, `/api/spaces/${spaceId}/sync/pull?after=${after}`, { cookie });
    expect(res.status).toBe(200);
    const page = v.parse(PullResponseSchema, await res.json());
    changes.push(...page.changes);
    if (!page.more) return changes;
    after = page.next;
  }
}

const titles = (changes: Change[]) => new Map(changes.map((c) => [c.item.id, c.item.fields.title?.v]));

/** What the first container stored, to be found again by the next ones. */
const stored = {
  user: undefined as TestUser | undefined,
  spaceId: '',
  fileBytes: new Uint8Array(200_000).map((_, i) => (i * 31) % 251),
  sha256: '',
  lockName: 'designs/logo.psd',
  token: 0,
};

/** A push sent by hand (node:http), so a test can act between its headers, its body and its answer. */
function rawPush(container: BatonContainer, body: string, extra: Record<string, string> = {}) {
  return request(`${container.baseUrl}/api/spaces/${stored.spaceId}/sync/push`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      cookie: stored.user!.cookie,
      origin: container.baseUrl,
      ...extra,
    },
  });
}

/** The ids of the space's items that start with `prefix`, as a fresh pull finds them. */
async function idsStartingWith(container: BatonContainer, prefix: string): Promise<string[]> {
  const changes = await pullAll(container.baseUrl, stored.user!.cookie, stored.spaceId);
  return [...titles(changes).keys()].filter((id) => id.startsWith(prefix));
}

/** Writes the volume's data-version marker as another release would have left it. */
function writeMarker(version: { app: string; protocol: number }): void {
  const script = `require('fs').writeFileSync('/data/baton-version.json', ${JSON.stringify(JSON.stringify(version))})`;
  podman(['run', '--rm', '-v', `${volume}:/data`, IMAGE, 'node', '-e', script]);
}

describe('the container image', () => {
  beforeAll(async () => {
    requirePodman();
    await buildImage(IMAGE);
    podman(['volume', 'create', volume]);
    port = await freePort();
  });

  afterAll(() => {
    for (const container of containers) container.remove();
    podman(['volume', 'rm', '--force', volume]);
  });

  it('[H1] runs as a non-root user, answers /api/health and passes its own HEALTHCHECK', async () => {
    const container = await start();
    expect(container.exec(['id', '-u'])).not.toBe('0');
    expect(container.exec(['id', '-un'])).toBe('baton');
    const health = await fetch(`${container.baseUrl}/api/health`);
    expect(await health.json()).toMatchObject({ ok: true, version: APP_VERSION });
    expect(podman(['healthcheck', 'run', container.name])).toBe('');
    const app = await fetch(`${container.baseUrl}/some/page/of/the/app`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="app"');
  });

  it('[H2] through the container: sign up, create a space, push a note, upload a file, take a lock', async () => {
    const baseUrl = containers[0]!.baseUrl;
    const user = await signUp(baseUrl, 'alice');
    const { spaceId } = await createSpace(baseUrl, user.cookie, 'Studio');
    const push = await api(baseUrl, `/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      cookie: user.cookie,
      json: { clientId: client, mutations: [note('note-kept-1', 'Kept across restarts')] },
    });
    expect(push.status).toBe(200);
    const sha256 = createHash('sha256').update(stored.fileBytes).digest('hex');
    const upload = await api(baseUrl, `/api/spaces/${spaceId}/blobs/${sha256}`, {
      method: 'PUT',
      cookie: user.cookie,
      body: stored.fileBytes,
    });
    expect(upload.status).toBe(201);
    const lock = await api(
      baseUrl,
      `/api/spaces/${spaceId}/locks/${encodeURIComponent(stored.lockName)}/acquire`,
      {
        method: 'POST',
        cookie: user.cookie,
        json: { requestId: 'container-test-1', ttlMs: 3_600_000 },
      },
    );
    expect(lock.status).toBe(200);
    const grant = (await lock.json()) as { status: string; token: number };
    expect(grant.status).toBe('granted');
    Object.assign(stored, { user, spaceId, sha256, token: grant.token });
  });

  it('[H4] logs one JSON line per request to stdout: method, route (no ids or names), status, duration', () => {
    const lines = containers[0]!.logs().stdout.trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(['duration_ms', 'method', 'route', 'status', 'time']);
      expect([
        typeof entry.method,
        typeof entry.route,
        typeof entry.status,
        typeof entry.duration_ms,
      ]).toEqual(['string', 'string', 'number', 'number']);
    }
    const routes = entries.map((e) => `${String(e.method)} ${String(e.route)} ${String(e.status)}`);
    expect(routes).toContain('POST /api/auth/sign-up 201');
    expect(routes).toContain('POST /api/spaces/:spaceId/sync/push 200');
    expect(routes).toContain('PUT /api/spaces/:spaceId/blobs/:sha256 201');
    expect(routes).toContain('POST /api/spaces/:spaceId/locks/:name/acquire 200');
    expect(lines.join('\n')).not.toContain(stored.spaceId);
    expect(lines.join('\n')).not.toContain('logo.psd');
  });

  it('[H5] SIGTERM stops it cleanly; the next container on the volume finds all of it, and the fencing token keeps growing', async () => {
    const first = containers[0]!;
    first.stop();
    expect(first.exitCode()).toBe(0);
    expect(first.logs().stderr).toContain('"event":"stopped"');

    const next = await start();
    const user = stored.user!;
    // The session survived, and so did the password.
    expect((await api(next.baseUrl, '/api/auth/me', { cookie: user.cookie })).status).toBe(200);
    const signedIn = await signIn(next.baseUrl, 'alice');
    expect(titles(await pullAll(next.baseUrl, signedIn.cookie, stored.spaceId)).get('note-kept-1')).toBe(
      'Kept across restarts',
    );
    const file = await api(next.baseUrl, `/api/spaces/${stored.spaceId}/blobs/${stored.sha256}`, {
      cookie: user.cookie,
    });
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(stored.fileBytes);

    const lockPath = `/api/spaces/${stored.spaceId}/locks/${encodeURIComponent(stored.lockName)}`;
    const held = v.parse(
      LockSummarySchema,
      await (await api(next.baseUrl, lockPath, { cookie: user.cookie })).json(),
    );
    expect(held.holder?.token).toBe(stored.token);
    const release = await api(next.baseUrl, `${lockPath}/release`, {
      method: 'POST',
      cookie: user.cookie,
      json: { token: stored.token },
    });
    expect(release.status).toBe(200);
    const again = await api(next.baseUrl, `${lockPath}/acquire`, {
      method: 'POST',
      cookie: user.cookie,
      json: { requestId: 'container-test-2' },
    });
    const grant = (await again.json()) as { status: string; token: number };
    expect(grant.status).toBe('granted');
    expect(grant.token).toBeGreaterThan(stored.token);
  });

  it('[H5] on SIGTERM a push already in flight still finishes, is answered and is kept', async () => {
    const container = containers.at(-1)!;
    const mutations = Array.from({ length: 500 }, (_, i) =>
      note(`drain-${String(i).padStart(4, '0')}`, `Drain ${i}`),
    );
    const body = JSON.stringify({ clientId: client, mutations });
    const status = await new Promise<number>((resolve, reject) => {
      // The server answers 100 Continue once it holds the request: only then is it "in flight".
      const req = rawPush(container, body, { expect: '100-continue' });
      req.on('continue', () => {
        container.signal('TERM');
        // Let the signal land before the body: the server must wait for it, not cut it off.
        setTimeout(() => req.end(body), 300);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
    container.wait();
    expect(container.exitCode()).toBe(0);
    expect(container.logs().stderr).toContain('"event":"stopped","unfinished":0');

    const next = await start();
    expect(await idsStartingWith(next, 'drain-')).toHaveLength(500);
  });

  it('[H5] SIGKILL during a large push leaves the push applied whole or not at all', async () => {
    const container = containers.at(-1)!;
    const user = stored.user!;
    const COUNT = 3000;
    const mutations = Array.from({ length: COUNT }, (_, i) =>
      note(`bulk-${String(i).padStart(5, '0')}`, `Bulk ${i} ${'x'.repeat(600)}`),
    );
    const body = JSON.stringify({ clientId: client, mutations });
    // Kill the container the moment the whole body has been handed to the network.
    const answer = new Promise<number | string>((resolve) => {
      const req = rawPush(container, body);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error) => resolve(error.message));
      req.end(body, () => container.kill());
    });
    // Whether the push got in before the kill differs from run to run; either way it is whole.
    const outcome = await answer;
    expect(container.state()).toBe('exited');

    const next = await start();
    const bulk = await idsStartingWith(next, 'bulk-');
    console.info(
      `SIGKILL mid-push: the client saw ${String(outcome)}; ${bulk.length} of ${COUNT} notes found`,
    );
    expect([0, COUNT]).toContain(bulk.length);
    // What was there before is still there.
    const all = titles(await pullAll(next.baseUrl, user.cookie, stored.spaceId));
    expect(all.get('note-kept-1')).toBe('Kept across restarts');
  });

  it('[H6] an upgrade opens the data of the release before it; a rollback refuses to start, saying why', async () => {
    const current = containers.at(-1)!;
    current.stop();
    // The volume as the release before this one left it.
    writeMarker({ app: '0.0.1', protocol: 1 });
    const upgraded = await start();
    expect(upgraded.logs().stderr).toContain('"upgradedFrom":"0.0.1"');
    expect(
      (await api(upgraded.baseUrl, `/api/spaces/${stored.spaceId}`, { cookie: stored.user!.cookie })).status,
    ).toBe(200);
    upgraded.stop();

    // Now a newer release has opened it, and this (older) image is started on it again.
    writeMarker({ app: '99.0.0', protocol: 9 });
    const refused = runToEnd(IMAGE, volume, { PORT: String(port), BATON_HOST: '127.0.0.1' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`written by Baton 99.0.0, and this is Baton ${APP_VERSION}`);
    expect(refused.stderr).toContain('Start Baton 99.0.0 or newer on this volume');
    const marker = podman(['run', '--rm', '-v', `${volume}:/data`, IMAGE, 'cat', '/data/baton-version.json']);
    expect(marker).toContain('99.0.0');
  });

  it('[H3] a setting that cannot be used stops the start with a message naming it', () => {
    const refused = runToEnd(IMAGE, `${volume}-settings`, {
      PORT: String(port),
      BATON_MAX_PUSH_BYTES: 'lots',
    });
    podman(['volume', 'rm', '--force', `${volume}-settings`]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      'BATON_MAX_PUSH_BYTES must be a number of bytes greater than 0; it is "lots".',
    );
  });
});
