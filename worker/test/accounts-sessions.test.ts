import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { SessionListResponseSchema } from '#shared/accounts/auth';
import { api, createSpace, ORIGIN, sessionCookieOf, signUp, TEST_PASSWORD } from './support/accounts';

function userSql<T>(userId: string, run: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.ACCOUNTS.get(env.ACCOUNTS.idFromName(`user:${userId}`)), (_i, state) =>
    run(state.storage.sql),
  );
}

async function sessionsOf(cookie: string) {
  return v.parse(SessionListResponseSchema, await (await api('/api/auth/sessions', { cookie })).json())
    .sessions;
}

describe('sessions', () => {
  it('[A4] a session expires 30 days after sign-in', async () => {
    const { cookie, userId } = await signUp();
    const [session] = await sessionsOf(cookie);
    const expiresAt = await userSql(
      userId,
      (sql) =>
        sql
          .exec<{ expires_at: number }>(
            'SELECT expires_at FROM sessions WHERE session_id = ?',
            session?.sessionId ?? '',
          )
          .one().expires_at,
    );
    expect(expiresAt - (session?.createdAt ?? 0)).toBe(30 * 24 * 60 * 60 * 1000);
    await userSql(userId, (sql) =>
      sql.exec(
        'UPDATE sessions SET expires_at = ? WHERE session_id = ?',
        Date.now() - 1,
        session?.sessionId ?? '',
      ),
    );
    const res = await api('/api/auth/sessions', { cookie });
    expect(res.status).toBe(401);
    expect(v.parse(ErrorBodySchema, await res.json()).code).toBe('UNAUTHENTICATED');
    const me = await api('/api/auth/me', { cookie });
    expect([me.status, await me.json()]).toEqual([200, { user: null }]);
  });

  it('[A4] the cookie lasts as long as the session, and sign-out expires it', async () => {
    const up = await api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: 'cookie-jar', password: TEST_PASSWORD },
    });
    expect(up.headers.getSetCookie().join()).toContain(`Max-Age=${30 * 24 * 60 * 60}`);
    const out = await api('/api/auth/sign-out', { method: 'POST', cookie: sessionCookieOf(up) });
    const cleared = out.headers.getSetCookie().find((line) => line.startsWith('baton_session=')) ?? '';
    expect(cleared).toMatch(/Max-Age=0/);
  });

  it("[A7] a user cannot see or revoke another user's sessions", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const [bobSession] = await sessionsOf(bob.cookie);
    expect((await sessionsOf(alice.cookie)).map((s) => s.sessionId)).not.toContain(bobSession?.sessionId);
    const res = await api(`/api/auth/sessions/${bobSession?.sessionId}`, {
      method: 'DELETE',
      cookie: alice.cookie,
    });
    expect(res.status).toBe(404);
    expect((await api('/api/auth/me', { cookie: bob.cookie })).status).toBe(200);
  });

  it('[A7] last seen moves forward when the session is used after a minute', async () => {
    const { cookie, userId } = await signUp();
    const [before] = await sessionsOf(cookie);
    await userSql(userId, (sql) => sql.exec('UPDATE sessions SET last_seen_at = last_seen_at - 120000'));
    await api('/api/auth/me', { cookie });
    const [after] = await sessionsOf(cookie);
    expect(after?.lastSeenAt).toBeGreaterThanOrEqual(before?.lastSeenAt ?? Infinity);
  });

  it('[A4] a made-up or malformed session cookie is simply unauthenticated', async () => {
    const { userId } = await signUp();
    for (const cookie of [
      `baton_session=${userId}.${'A'.repeat(43)}`,
      'baton_session=' + 'A'.repeat(43),
      'baton_session=short',
      'baton_session=',
    ]) {
      expect((await api('/api/spaces', { cookie })).status).toBe(401);
    }
  });
});

describe('CSRF and the 404-or-403 rule', () => {
  it('[A8] missing Origin on a state-changing request is refused; a GET needs none', async () => {
    const { cookie } = await signUp();
    const res = await exports.default.fetch(`${ORIGIN}/api/spaces`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no origin' }),
    });
    expect(res.status).toBe(403);
    expect(v.parse(ErrorBodySchema, await res.json()).code).toBe('BAD_ORIGIN');
    const get = await exports.default.fetch(`${ORIGIN}/api/spaces`, { headers: { cookie } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ spaces: [] });
  });

  it('[A8] a WebSocket upgrade from a foreign origin is refused before anything else', async () => {
    const { cookie } = await signUp();
    const { spaceId } = await createSpace(cookie);
    const res = await exports.default.fetch(`${ORIGIN}/api/spaces/${spaceId}/socket`, {
      headers: { cookie, upgrade: 'websocket', origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  it('[Z2] a space that does not exist answers exactly like a space the caller is not in', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie, 'Hidden');
    const stranger = await signUp();
    const notMine = await api(`/api/spaces/${spaceId}`, { cookie: stranger.cookie });
    const missing = await api('/api/spaces/AAAAAAAAAAAAAAAAAAAAAA', { cookie: stranger.cookie });
    const malformed = await api('/api/spaces/not-a-space-id', { cookie: stranger.cookie });
    const bodies = await Promise.all(
      [notMine, missing, malformed].map(async (res) => [res.status, await res.text()]),
    );
    expect(bodies[0]).toEqual(bodies[1]);
    expect(bodies[1]).toEqual(bodies[2]);
    expect(bodies[0]?.[0]).toBe(404);
  });
});
