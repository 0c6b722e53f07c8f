import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
  AppPasswordListResponseSchema,
  CreateAppPasswordResponseSchema,
  type CreateAppPasswordRequest,
} from '#shared/accounts/app-passwords';
import { ErrorBodySchema } from '#shared/errors';
import { effectiveRole, requireAppPassword, type AppPasswordVariables } from '../src/auth/app-password';
import type { Env } from '../src/env';
import { addMember, api, createSpace, signUp } from './support/accounts';

/** A stand-in protocol front: the real middleware and role check, answering the effective role. */
const front = new Hono<{ Bindings: Env; Variables: AppPasswordVariables }>()
  .use('*', requireAppPassword)
  .get('/front/:spaceId', async (c) => {
    const role = await effectiveRole(c.env, c.var.principal, c.req.param('spaceId'));
    return role ? c.json({ role, principal: c.var.principal }) : c.json({ code: 'NOT_FOUND' }, 404);
  });

/** Calls the stand-in front. Locally every caller shares one address (A12), whatever it sends. */
function callFront(path: string, headers: Record<string, string>) {
  return front.request(`http://baton.test${path}`, { headers }, env);
}

// Each test starts with clean address throttles, so that one test's failures spare the others.
beforeEach(async () => {
  await runInDurableObject(env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory')), (_instance, state) => {
    state.storage.sql.exec('DELETE FROM throttle');
  });
});
const basic = (user: string, password: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });

async function create(cookie: string, input: Partial<CreateAppPasswordRequest> = {}) {
  const res = await api('/api/auth/app-passwords', {
    method: 'POST',
    cookie,
    json: { name: 'rclone', spaceId: null, access: 'write', ...input },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return v.parse(CreateAppPasswordResponseSchema, await res.json());
}

async function list(cookie: string) {
  const res = await api('/api/auth/app-passwords', { cookie });
  return v.parse(AppPasswordListResponseSchema, await res.json()).appPasswords;
}

describe('app passwords', { timeout: 30_000 }, () => {
  it('[P1] the secret is shown once, has over 128 random bits, and the list never shows it', async () => {
    const alice = await signUp();
    const made = await create(alice.cookie, { name: 'Work laptop' });
    expect(made.username).toBe(alice.username);
    // 32 random bytes in base64url after the prefix and the user id.
    expect(made.password).toMatch(/^bt1_[A-Za-z0-9_-]{22}[A-Za-z0-9_-]{43}$/);
    expect((await create(alice.cookie)).password).not.toBe(made.password);
    const listed = await list(alice.cookie);
    expect(listed.map((p) => p.name)).toEqual(['rclone', 'Work laptop']);
    expect(JSON.stringify(listed)).not.toContain(made.password.slice(26));
    expect(listed[1]).toMatchObject({ spaceId: null, access: 'write', lastUsedAt: null });
  });

  it('[P1] the list shows when each password was last used', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    const res = await callFront(`/front/${spaceId}`, basic(alice.username, made.password));
    expect(res.status).toBe(200);
    const [info] = await list(alice.cookie);
    expect(info?.lastUsedAt).toBeTypeOf('number');
  });

  it('[P2] Basic (username + app password) and Bearer both authenticate; the principal names the user', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    for (const headers of [
      basic(alice.username.toUpperCase(), made.password),
      { authorization: `Bearer ${made.password}` },
    ]) {
      const res = await callFront(`/front/${spaceId}`, headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        role: 'owner',
        principal: {
          userId: alice.userId,
          username: alice.username,
          displayName: alice.username,
          appPasswordId: made.appPassword.appPasswordId,
          scope: { spaceId: null, access: 'write' },
        },
      });
    }
  });

  it('[P2] the browser API never accepts an app password, only the session cookie', async () => {
    const alice = await signUp();
    const made = await create(alice.cookie);
    for (const headers of [
      { authorization: `Bearer ${made.password}` },
      basic(alice.username, made.password),
    ]) {
      expect((await api('/api/auth/sessions', { headers })).status).toBe(401);
      expect((await api('/api/spaces', { headers })).status).toBe(401);
    }
    // Nor as a cookie.
    expect(
      (await api('/api/auth/sessions', { headers: { cookie: `baton_session=${made.password}` } })).status,
    ).toBe(401);
  });

  it('[P3] missing or wrong credentials answer 401 with the Basic challenge', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    const wrongSecret = made.password.slice(0, -4) + (made.password.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const headers of [
      {},
      basic(alice.username, 'not an app password'),
      basic(alice.username, wrongSecret),
      basic('somebody-else', made.password),
      { authorization: 'Basic !!!' },
      { authorization: `Token ${made.password}` },
    ]) {
      const res = await callFront(`/front/${spaceId}`, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Baton"/);
      expect(v.parse(ErrorBodySchema, await res.json()).code).toBe('UNAUTHENTICATED');
    }
  });

  it('[P4] a revoked app password gets 401 on its very next request', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    expect((await callFront(`/front/${spaceId}`, basic(alice.username, made.password))).status).toBe(200);
    const id = made.appPassword.appPasswordId;
    expect(
      (await api(`/api/auth/app-passwords/${id}`, { method: 'DELETE', cookie: alice.cookie })).status,
    ).toBe(204);
    const res = await callFront(`/front/${spaceId}`, basic(alice.username, made.password));
    expect(res.status).toBe(401);
    expect(await list(alice.cookie)).toEqual([]);
    // Revoking again, or another user's password, is "not found".
    expect(
      (await api(`/api/auth/app-passwords/${id}`, { method: 'DELETE', cookie: alice.cookie })).status,
    ).toBe(404);
  });

  it('[P5] the role is the member role capped by the scope, re-checked on every request', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const other = await createSpace(owner.cookie, 'Other space');
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const write = await create(editor.cookie);
    const read = await create(editor.cookie, { access: 'read' });
    const scoped = await create(owner.cookie, { spaceId: other.spaceId });
    const roleWith = async (user: string, password: string, space: string) => {
      const res = await callFront(`/front/${space}`, basic(user, password));
      return res.status === 200 ? v.parse(v.object({ role: v.string() }), await res.json()).role : res.status;
    };
    expect(await roleWith(editor.username, write.password, spaceId)).toBe('editor');
    expect(await roleWith(editor.username, read.password, spaceId)).toBe('viewer');
    // Outside the scope, or not a member: the same 404 as for a non-member.
    expect(await roleWith(owner.username, scoped.password, spaceId)).toBe(404);
    expect(await roleWith(owner.username, scoped.password, other.spaceId)).toBe('owner');
    expect(await roleWith(editor.username, write.password, other.spaceId)).toBe(404);
    // A lowered role, then a removal, take effect on the next request.
    await api(`/api/spaces/${spaceId}/members/${editor.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'viewer' },
    });
    expect(await roleWith(editor.username, write.password, spaceId)).toBe('viewer');
    await api(`/api/spaces/${spaceId}/members/${editor.userId}`, { method: 'DELETE', cookie: owner.cookie });
    expect(await roleWith(editor.username, write.password, spaceId)).toBe(404);
  });

  it('[P6] failed app passwords are throttled like sign-in: per user, then 429 with Retry-After', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    const wrong = made.password.slice(0, -4) + (made.password.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    // The account policy of sign-in (A10): 20 free failures, then a wait of at most a minute.
    for (let i = 0; i < 20; i++)
      expect((await callFront(`/front/${spaceId}`, basic(alice.username, wrong))).status).toBe(401);
    const refused = await callFront(`/front/${spaceId}`, basic(alice.username, made.password));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(v.parse(ErrorBodySchema, await refused.json()).code).toBe('RATE_LIMITED');
  });

  it('[P6] failures from one address are throttled per address; a good app password still passes', async () => {
    const alice = await signUp();
    const { spaceId } = await createSpace(alice.cookie);
    const made = await create(alice.cookie);
    for (let i = 0; i < 20; i++) {
      expect((await callFront('/front/x', { authorization: 'Bearer guess' })).status).toBe(401);
    }
    expect((await callFront('/front/x', { authorization: 'Bearer guess' })).status).toBe(429);
    // A real secret cannot be guessed, so its owner behind the same address is not shut out.
    expect((await callFront(`/front/${spaceId}`, { authorization: `Bearer ${made.password}` })).status).toBe(
      200,
    );
  });

  it('[P7] creating needs a session, the Origin rule, a valid body and a space the user is in', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const { spaceId } = await createSpace(bob.cookie);
    const body = { name: 'x', spaceId: null, access: 'write' };
    expect((await api('/api/auth/app-passwords', { method: 'POST', json: body })).status).toBe(401);
    const foreign = await api('/api/auth/app-passwords', {
      method: 'POST',
      cookie: alice.cookie,
      json: body,
      headers: { origin: 'http://evil.test' },
    });
    expect(foreign.status).toBe(403);
    for (const bad of [
      { ...body, access: 'admin' },
      { ...body, name: '' },
      { ...body, extra: 1 },
    ]) {
      const res = await api('/api/auth/app-passwords', { method: 'POST', cookie: alice.cookie, json: bad });
      expect(res.status).toBe(400);
    }
    const notMine = await api('/api/auth/app-passwords', {
      method: 'POST',
      cookie: alice.cookie,
      json: { ...body, spaceId },
    });
    expect(notMine.status).toBe(404);
    expect(await list(alice.cookie)).toEqual([]);
  });
});
