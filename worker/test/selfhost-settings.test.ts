import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { PasskeyLoginOptionsResponseSchema } from '#shared/accounts/passkeys';
import { app } from '../src/app';
import type { Env } from '../src/env';
import { migrate, SchemaTooNewError } from '../src/storage/migrate';
import { createSpace, signUp, TEST_PASSWORD } from './support/accounts';
import { clientId, mutation } from './support/sync';

/** Calls the real Worker app with `vars` added to its bindings, at `url`. */
async function call(vars: Partial<Env>, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const signUpBody = (username: string) => JSON.stringify({ username, password: TEST_PASSWORD });

describe('settings from the environment (docs/self-hosting.md)', () => {
  it('[H3] behind a proxy, PUBLIC_ORIGIN is the origin state-changing requests must come from', async () => {
    const vars = { PUBLIC_ORIGIN: 'https://baton.example.org' };
    const internal = 'http://10.0.0.5:8787/api/auth/sign-up';
    const headers = (origin: string) => ({ origin, 'content-type': 'application/json' });
    const fromPublic = await call(vars, internal, {
      method: 'POST',
      headers: headers('https://baton.example.org'),
      body: signUpBody(`proxied-${Date.now()}`),
    });
    expect(fromPublic.status).toBe(201);
    const fromInternal = await call(vars, internal, {
      method: 'POST',
      headers: headers('http://10.0.0.5:8787'),
      body: signUpBody(`internal-${Date.now()}`),
    });
    expect(fromInternal.status).toBe(403);
    expect(await fromInternal.json()).toMatchObject({ code: 'BAD_ORIGIN' });
  });

  it('[H3] the passkey relying party is the public origin, not the address the Worker was reached at', async () => {
    const res = await call(
      { PUBLIC_ORIGIN: 'https://baton.example.org' },
      'http://10.0.0.5:8787/api/auth/passkey/login/options',
      {
        method: 'POST',
        headers: { origin: 'https://baton.example.org', 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(res.status).toBe(200);
    const { options } = v.parse(PasskeyLoginOptionsResponseSchema, await res.json());
    expect(options.rpId).toBe('baton.example.org');
  });

  it('[H3] the session cookie is Secure unless COOKIE_SECURE is "false"', async () => {
    const signUpAt = (vars: Partial<Env>, name: string) =>
      call(vars, 'http://baton.test/api/auth/sign-up', {
        method: 'POST',
        headers: { origin: 'http://baton.test', 'content-type': 'application/json' },
        body: signUpBody(`${name}-${Date.now()}`),
      });
    const secure = (await signUpAt({}, 'default')).headers.get('set-cookie') ?? '';
    expect(secure).toMatch(/;\s*Secure/i);
    const plain = (await signUpAt({ COOKIE_SECURE: 'false' }, 'plain')).headers.get('set-cookie') ?? '';
    expect(plain).toContain('baton_session=');
    expect(plain).not.toMatch(/;\s*Secure/i);
  });

  it('[H3] MAX_PUSH_BYTES lowers the largest push: a bigger one is refused and stores nothing', async () => {
    const { cookie } = await signUp();
    const { spaceId } = await createSpace(cookie);
    const client = clientId();
    const body = JSON.stringify({
      clientId: client,
      mutations: [mutation(client, 'big-note', { title: 'x'.repeat(4000) })],
    });
    const res = await call({ MAX_PUSH_BYTES: '2000' }, `http://baton.test/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      headers: { origin: 'http://baton.test', cookie, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const pull = await call({}, `http://baton.test/api/spaces/${spaceId}/sync/pull?after=0`, {
      headers: { cookie },
    });
    expect(await pull.json()).toMatchObject({ changes: [] });
  });
});

describe('schema steps across versions', () => {
  /** The steps of a version that knows `count` steps; what they do does not matter here. */
  const noSteps = (count: number) => Array.from({ length: count }, () => 'SELECT 1');
  const versionOf = (state: DurableObjectState) =>
    state.storage.sql.exec<{ version: number }>('SELECT version FROM _schema').one().version;

  it('[H6] a newer version runs only its new step and keeps what the older one stored', async () => {
    const { cookie } = await signUp();
    const { spaceId } = await createSpace(cookie, 'Kept across upgrades');
    const space = env.SPACES.get(env.SPACES.idFromName(spaceId));
    const after = await runInDurableObject(space, (_instance, state) => {
      const before = versionOf(state);
      migrate(state.storage, [...noSteps(before), 'CREATE TABLE next_version (id TEXT PRIMARY KEY)']);
      state.storage.sql.exec("INSERT INTO next_version (id) VALUES ('new')");
      return { before, now: versionOf(state) };
    });
    expect(after.now).toBe(after.before + 1);
    const res = await call({}, `http://baton.test/api/spaces/${spaceId}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ space: { name: 'Kept across upgrades' } });
  });

  it('[H6] an older version refuses storage at a newer schema, with a clear message, and changes nothing', async () => {
    const { cookie } = await signUp();
    const { spaceId } = await createSpace(cookie);
    const space = env.SPACES.get(env.SPACES.idFromName(spaceId));
    const outcome = await runInDurableObject(space, (_instance, state) => {
      const current = versionOf(state);
      let error: unknown;
      try {
        migrate(state.storage, noSteps(current - 1));
      } catch (caught) {
        error = caught;
      }
      return { error, current, after: versionOf(state) };
    });
    expect(outcome.error).toBeInstanceOf(SchemaTooNewError);
    expect((outcome.error as Error).message).toContain(
      `a newer version of Baton (storage schema ${outcome.current}; this version knows up to ${outcome.current - 1})`,
    );
    expect(outcome.after).toBe(outcome.current);
  });
});
