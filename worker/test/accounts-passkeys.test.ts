import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { MeResponseSchema } from '#shared/accounts/auth';
import {
  PasskeyLoginOptionsResponseSchema,
  PasskeyRegisterOptionsResponseSchema,
} from '#shared/accounts/passkeys';
import { api, ORIGIN, sessionCookieOf, signUp, TEST_PASSWORD } from './support/accounts';
import { SoftAuthenticator } from './support/accounts-passkey';

async function registerOptions(json: unknown, cookie?: string) {
  const res = await api('/api/auth/passkey/register/options', {
    method: 'POST',
    json,
    ...(cookie ? { cookie } : {}),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return v.parse(PasskeyRegisterOptionsResponseSchema, await res.json());
}

async function loginOptions() {
  const res = await api('/api/auth/passkey/login/options', { method: 'POST', json: {} });
  expect(res.status).toBe(200);
  return v.parse(PasskeyLoginOptionsResponseSchema, await res.json());
}

async function passkeySignUp(username: string, authenticator: SoftAuthenticator) {
  const { challengeId, options } = await registerOptions({ username });
  const credential = await authenticator.register(options, ORIGIN);
  return api('/api/auth/passkey/register/verify', { method: 'POST', json: { challengeId, credential } });
}

async function passkeySignIn(authenticator: SoftAuthenticator, origin = ORIGIN) {
  const { challengeId, options } = await loginOptions();
  const credential = await authenticator.assert(options, origin);
  return api('/api/auth/passkey/login/verify', { method: 'POST', json: { challengeId, credential } });
}

describe('passkeys', () => {
  it('[A9] options name the request host as relying party and ask for a discoverable credential', async () => {
    const { options } = await registerOptions({ username: 'Pat-Options' });
    expect(options.rp).toEqual({ name: 'Baton', id: 'baton.test' });
    expect(options.user.name).toBe('pat-options');
    expect(options.authenticatorSelection?.residentKey).toBe('required');
    const login = await loginOptions();
    expect(login.options.rpId).toBe('baton.test');
    expect(login.options.allowCredentials ?? []).toEqual([]);
  });

  it('[A9] a passkey sign-up creates a password-less account and signs it in', async () => {
    const authenticator = await SoftAuthenticator.create();
    const res = await passkeySignUp('Passkey-Pat', authenticator);
    expect(res.status, await res.clone().text()).toBe(201);
    const { user } = v.parse(MeResponseSchema, await res.json());
    expect(user).toMatchObject({ username: 'passkey-pat', hasPassword: false, passkeys: 1 });
    expect((await api('/api/auth/me', { cookie: sessionCookieOf(res) })).status).toBe(200);
    // No password sign-in for a passkey-only account.
    const pw = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username: 'passkey-pat', password: 'anything-at-all' },
      headers: { 'cf-connecting-ip': '198.18.0.1' },
    });
    expect(pw.status).toBe(401);
  });

  it('[A9] a discoverable passkey signs in without a username', async () => {
    const authenticator = await SoftAuthenticator.create();
    const signUpRes = await passkeySignUp('Quinn', authenticator);
    const { user } = v.parse(MeResponseSchema, await signUpRes.json());
    const res = await passkeySignIn(authenticator);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(v.parse(MeResponseSchema, await res.json()).user.userId).toBe(user.userId);
    const me = await api('/api/auth/me', { cookie: sessionCookieOf(res) });
    expect(v.parse(MeResponseSchema, await me.json()).user.username).toBe('quinn');
  });

  it('[A9] a signed-in password user adds a passkey and can then sign in with it', async () => {
    const { cookie, userId } = await signUp();
    const authenticator = await SoftAuthenticator.create();
    const { challengeId, options } = await registerOptions({}, cookie);
    const credential = await authenticator.register(options, ORIGIN);
    const res = await api('/api/auth/passkey/register/verify', {
      method: 'POST',
      cookie,
      json: { challengeId, credential },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(v.parse(MeResponseSchema, await res.json()).user).toMatchObject({
      userId,
      hasPassword: true,
      passkeys: 1,
    });
    const signIn = await passkeySignIn(authenticator);
    expect(v.parse(MeResponseSchema, await signIn.json()).user.userId).toBe(userId);
  });

  it('[A9] an assertion made for another origin, a reused challenge, or an unknown passkey is refused', async () => {
    const authenticator = await SoftAuthenticator.create();
    await passkeySignUp('Rory', authenticator);
    const foreign = await passkeySignIn(authenticator, 'https://evil.example');
    expect(foreign.status).toBe(401);
    expect(v.parse(ErrorBodySchema, await foreign.json()).code).toBe('INVALID_CREDENTIALS');
    expect(foreign.headers.getSetCookie()).toEqual([]);

    const { challengeId, options } = await loginOptions();
    const credential = await authenticator.assert(options, ORIGIN);
    expect(
      (await api('/api/auth/passkey/login/verify', { method: 'POST', json: { challengeId, credential } }))
        .status,
    ).toBe(200);
    const replay = await api('/api/auth/passkey/login/verify', {
      method: 'POST',
      json: { challengeId, credential },
    });
    expect(replay.status).toBe(400);

    const stranger = await SoftAuthenticator.create();
    const unknown = await passkeySignIn(stranger);
    expect(unknown.status).toBe(401);
  });

  it('[A9] a passkey sign-up for a taken username is refused before any ceremony', async () => {
    const { username } = await signUp();
    const res = await api('/api/auth/passkey/register/options', { method: 'POST', json: { username } });
    expect(res.status).toBe(409);
    expect(v.parse(ErrorBodySchema, await res.json()).code).toBe('USERNAME_TAKEN');
  });

  it('[A10] a passkey sign-in goes through while password guesses hold the account back', async () => {
    const authenticator = await SoftAuthenticator.create();
    expect((await passkeySignUp('Guessed-Pat', authenticator)).status).toBe(201);
    // As if guessers from many addresses had just failed on the account a thousand times.
    await runInDurableObject(env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory')), (_instance, state) => {
      state.storage.sql.exec(
        'INSERT OR REPLACE INTO throttle (key, failures, last_failure_at) VALUES (?, ?, ?)',
        'acct:guessed-pat',
        1000,
        Date.now(),
      );
    });
    const password = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username: 'guessed-pat', password: TEST_PASSWORD },
    });
    expect(password.status).toBe(429);
    expect(v.parse(ErrorBodySchema, await password.json()).retryAfterMs).toBeLessThanOrEqual(60_000);
    const res = await passkeySignIn(authenticator);
    expect(res.status, await res.clone().text()).toBe(200);
  });
});
