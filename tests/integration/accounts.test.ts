import { describe, expect, inject, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { apiClient } from '../support/api-client';

describe('accounts over real HTTP (wrangler dev)', () => {
  const client = apiClient(inject('baseUrl'));

  it('[A1][M1][K2] a user signs up, creates a space, and a second user joins through a link', async () => {
    const owner = await client.signUp();
    const again = await client.signIn(owner.username);
    const { spaceId } = await client.createSpace(again.cookie, 'Over HTTP');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const res = await client.api(`/api/spaces/${spaceId}`, { cookie: editor.cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ space: { spaceId, name: 'Over HTTP', role: 'editor' } });
  });

  it('[A4] through the real server the cookie is HttpOnly, Secure and SameSite=Lax', async () => {
    const res = await client.api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: `cookie-${Date.now().toString(36)}`, password: 'correct horse battery staple' },
    });
    expect(res.status).toBe(201);
    const header = res.headers.getSetCookie().find((line) => line.startsWith('baton_session=')) ?? '';
    expect(header).toMatch(/; HttpOnly/i);
    expect(header).toMatch(/; Secure/i);
    expect(header).toMatch(/; SameSite=Lax/i);
  });

  it('[A8] behind the local proxy the Origin check still tells the app origin from a foreign one', async () => {
    const user = await client.signUp();
    const foreign = await client.api('/api/spaces', {
      method: 'POST',
      cookie: user.cookie,
      json: { name: 'x' },
      headers: { origin: 'http://evil.localhost:1234' },
    });
    expect(foreign.status).toBe(403);
    expect(v.parse(ErrorBodySchema, await foreign.json()).code).toBe('BAD_ORIGIN');
    const own = await client.api('/api/spaces', {
      method: 'POST',
      cookie: user.cookie,
      json: { name: 'mine' },
    });
    expect(own.status).toBe(201);
  });
});
