import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { MeResponseSchema, SessionListResponseSchema } from '#shared/accounts/auth';
import { sha256Hex } from '../src/kernel/crypto';
import { api, sessionCookieOf, signUp, TEST_PASSWORD } from './support/accounts';

async function errorOf(res: Response) {
  return v.parse(ErrorBodySchema, await res.json());
}

function directoryStub() {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory'));
}

describe('sign-up, sign-in and sessions', () => {
  it('[A1] sign-up creates the account, answers the user and starts a session', async () => {
    const res = await api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: 'Alice', password: TEST_PASSWORD },
    });
    expect(res.status).toBe(201);
    const { user } = v.parse(MeResponseSchema, await res.json());
    expect(user).toMatchObject({ username: 'alice', hasPassword: true, passkeys: 0 });
    const me = await api('/api/auth/me', { cookie: sessionCookieOf(res) });
    expect(me.status).toBe(200);
    expect(v.parse(MeResponseSchema, await me.json()).user.userId).toBe(user.userId);
  });

  it('[A1] a username that normalises to a taken one is refused with USERNAME_TAKEN', async () => {
    await signUp('Bob.Smith');
    const res = await api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: 'ＢＯＢ.smith', password: TEST_PASSWORD },
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('USERNAME_TAKEN');
  });

  it('[A4] the session cookie is HttpOnly, Secure, SameSite=Lax, and only its SHA-256 is stored', async () => {
    const res = await api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: 'carol', password: TEST_PASSWORD },
    });
    const header = res.headers.getSetCookie().find((line) => line.startsWith('baton_session=')) ?? '';
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/Secure/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\//);
    const token = sessionCookieOf(res).slice('baton_session='.length);
    const { user } = v.parse(MeResponseSchema, await res.json());
    // The user id (to route the check to that user's object), then 32 random bytes: 256 bits.
    expect(token).toMatch(new RegExp(`^${user.userId}\\.[A-Za-z0-9_-]{43}$`));
    const hash = await sha256Hex(token);
    const stored = await runInDurableObject(
      env.ACCOUNTS.get(env.ACCOUNTS.idFromName(`user:${user.userId}`)),
      (_instance, state) =>
        state.storage.sql
          .exec<{ token_hash: string }>('SELECT token_hash FROM sessions')
          .toArray()
          .map((row) => row.token_hash),
    );
    expect(stored).toEqual([hash]);
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);
  });

  it('[A5] sign-in with the right password starts a new session; a wrong one is INVALID_CREDENTIALS', async () => {
    const { username } = await signUp();
    const good = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username: username.toUpperCase(), password: TEST_PASSWORD },
      headers: { 'cf-connecting-ip': '203.0.113.1' },
    });
    expect(good.status).toBe(200);
    expect(sessionCookieOf(good)).toMatch(/^baton_session=/);
    const bad = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username, password: 'not the password' },
      headers: { 'cf-connecting-ip': '203.0.113.1' },
    });
    expect(bad.status).toBe(401);
    const unknown = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username: 'nobody-here', password: 'whatever1' },
      headers: { 'cf-connecting-ip': '203.0.113.1' },
    });
    expect(unknown.status).toBe(401);
    // The same words whether or not the account exists.
    expect(await errorOf(bad)).toEqual(await errorOf(unknown));
  });

  it('[A7] sessions are listed with their device and revoking one ends it; sign-out ends the current one', async () => {
    const { username, cookie } = await signUp();
    const second = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username, password: TEST_PASSWORD },
      headers: {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36',
        'cf-connecting-ip': '203.0.113.2',
      },
    });
    const secondCookie = sessionCookieOf(second);
    const list = v.parse(
      SessionListResponseSchema,
      await (await api('/api/auth/sessions', { cookie })).json(),
    );
    expect(list.sessions).toHaveLength(2);
    expect(list.sessions.filter((s) => s.current)).toHaveLength(1);
    const other = list.sessions.find((s) => !s.current);
    expect(other?.device).toBe('Chrome on Linux');
    const revoke = await api(`/api/auth/sessions/${other?.sessionId}`, { method: 'DELETE', cookie });
    expect(revoke.status).toBe(204);
    expect(await (await api('/api/auth/me', { cookie: secondCookie })).json()).toEqual({ user: null });
    const out = await api('/api/auth/sign-out', { method: 'POST', cookie });
    expect(out.status).toBe(204);
    expect(await (await api('/api/auth/me', { cookie })).json()).toEqual({ user: null });
  });

  it('[A8] a state-changing request without a same-origin Origin is refused with BAD_ORIGIN', async () => {
    const { cookie } = await signUp();
    const foreign = await api('/api/spaces', {
      method: 'POST',
      cookie,
      json: { name: 'x' },
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe('BAD_ORIGIN');
    const list = await (await api('/api/spaces', { cookie })).json();
    expect(list).toEqual({ spaces: [] });
  });

  it('[Z4] bad sign-up input is a 400 with a clear message and creates nothing', async () => {
    const cases = [
      { username: 'ab', password: TEST_PASSWORD },
      { username: 'has space', password: TEST_PASSWORD },
      { username: 'x'.repeat(33), password: TEST_PASSWORD },
      { username: 'shortpw', password: 'short' },
      { username: 'extra', password: TEST_PASSWORD, admin: true },
    ];
    for (const json of cases) {
      const res = await api('/api/auth/sign-up', { method: 'POST', json });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('VALIDATION_FAILED');
    }
    const names = await runInDurableObject(directoryStub(), (_i, state) =>
      state.storage.sql
        .exec<{ username: string }>('SELECT username FROM users')
        .toArray()
        .map((r) => r.username),
    );
    expect(names).not.toContain('ab');
    expect(names).not.toContain('shortpw');
    expect(names).not.toContain('extra');
  });
});
