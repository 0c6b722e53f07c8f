import { Hono } from 'hono';
import {
  PasskeyLoginOptionsRequestSchema,
  PasskeyLoginVerifyRequestSchema,
  PasskeyRegisterOptionsRequestSchema,
  PasskeyRegisterVerifyRequestSchema,
} from '#shared/accounts/passkeys';
import {
  authenticationOptions,
  finishAuthentication,
  finishRegistration,
  registrationOptions,
  relyingPartyOf,
} from '../auth/passkeys';
import { findSession } from '../auth/require-session';
import { meOf, startSession } from '../auth/session';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/validate';
import { probeLimited } from './throttled';

/** Passkey ceremonies (rule A9): sign up, add to a signed-in account, discoverable sign-in. */
export const passkeyRoutes = new Hono<AppEnv>()
  .post('/auth/passkey/register/options', async (c) => {
    const body = await readJson(c, PasskeyRegisterOptionsRequestSchema);
    const session = await findSession(c);
    let who: Parameters<typeof registrationOptions>[2];
    if (session) who = { session };
    else if (body.username !== undefined) who = { username: body.username };
    else throw new ApiError('VALIDATION_FAILED', 'Choose a username for the new account.');
    const rp = relyingPartyOf(c);
    // Without a session the answer tells whether a username is taken: limited per address (A11).
    const options = session
      ? await registrationOptions(c.env, rp, who)
      : await probeLimited(c, () => registrationOptions(c.env, rp, who));
    return c.json(options, 200, { 'cache-control': 'no-store' });
  })
  .post('/auth/passkey/register/verify', async (c) => {
    const body = await readJson(c, PasskeyRegisterVerifyRequestSchema);
    const session = await findSession(c);
    const { userId, newAccount } = await finishRegistration(c.env, relyingPartyOf(c), body, session);
    const answer = await meOf(c.env, userId);
    if (newAccount) await startSession(c, answer.user);
    return c.json(answer, 201);
  })
  .post('/auth/passkey/login/options', async (c) => {
    await readJson(c, PasskeyLoginOptionsRequestSchema);
    return c.json(await authenticationOptions(c.env, relyingPartyOf(c)), 200, {
      'cache-control': 'no-store',
    });
  })
  .post('/auth/passkey/login/verify', async (c) => {
    const body = await readJson(c, PasskeyLoginVerifyRequestSchema);
    const { userId } = await finishAuthentication(c.env, relyingPartyOf(c), body);
    const answer = await meOf(c.env, userId);
    await startSession(c, answer.user);
    return c.json(answer, 200);
  });
