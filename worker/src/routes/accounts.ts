import { Hono } from 'hono';
import * as v from 'valibot';
import {
  SignInRequestSchema,
  SignUpRequestSchema,
  type MeOrNobodyResponse,
  type SessionListResponse,
} from '#shared/accounts/auth';
import { RecordIdSchema } from '#shared/accounts/ids';
import { normaliseUsername } from '#shared/accounts/username';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../accounts/password';
import { unwrap } from '../http/api-error';
import { signInThrottle } from '../accounts/throttle';
import { findSession, requireSession } from '../auth/require-session';
import { clearSessionCookie, meOf, startSession } from '../auth/session';
import { directory, spaceStub, userRecord } from '../objects/stubs';
import type { AppEnv, Env } from '../env';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/validate';
import { passkeyRoutes } from './passkeys';
import { clientAddress } from '../http/client-address';
import { probeLimited } from './throttled';

/** A revoked session's live sockets close too, in every space of the user (rule A7). */
async function closeSessionSockets(env: Env, userId: string, sessionId: string): Promise<void> {
  const spaces = await userRecord(env, userId).listMemberships();
  await Promise.all(
    spaces.map((space) =>
      spaceStub(env, space.spaceId).closeSockets({ sessionId }, 'This session was signed out.'),
    ),
  );
}

/** Sign-up, sign-in, sign-out, the current user and their sessions, under `/api/auth`. */
export const accountRoutes = new Hono<AppEnv>()
  .post('/auth/sign-up', async (c) => {
    const body = await readJson(c, SignUpRequestSchema);
    const { userId } = await probeLimited(c, async () =>
      unwrap(await directory(c.env).createUser(body.username, await hashPassword(body.password))),
    );
    const answer = await meOf(c.env, userId);
    await startSession(c, answer.user);
    return c.json(answer, 201);
  })
  .post('/auth/sign-in', async (c) => {
    const body = await readJson(c, SignInRequestSchema);
    const username = normaliseUsername(body.username);
    const throttle = signInThrottle(clientAddress(c), username);
    const dir = directory(c.env);
    unwrap(await dir.beginAttempt(throttle.keys));
    const account = await dir.passwordOf(username);
    // Verify against a dummy hash when there is nothing to check, so timing does not reveal accounts.
    const matches = await verifyPassword(body.password, account?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!account || account.passwordHash === null || !matches) {
      throw new ApiError('INVALID_CREDENTIALS', 'Wrong username or password.');
    }
    await dir.forgiveAttempt(throttle.clear, throttle.giveBack);
    const answer = await meOf(c.env, account.userId);
    await startSession(c, answer.user);
    return c.json(answer, 200);
  })
  .post('/auth/sign-out', requireSession, async (c) => {
    const { userId, sessionId } = c.var.session;
    await userRecord(c.env, userId).revokeSession(sessionId);
    await closeSessionSockets(c.env, userId, sessionId);
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  // Signed out is a normal state of the app's first load, not an error: `{ user: null }` with 200
  // keeps the console (and Lighthouse's best-practices audit) free of a failed request.
  .get('/auth/me', async (c) => {
    const session = await findSession(c);
    const body: MeOrNobodyResponse = session ? await meOf(c.env, session.userId) : { user: null };
    return c.json(body, 200, { 'cache-control': 'no-store' });
  })
  .get('/auth/sessions', requireSession, async (c) => {
    const { userId, sessionId } = c.var.session;
    const body: SessionListResponse = { sessions: await userRecord(c.env, userId).listSessions(sessionId) };
    return c.json(body, 200, { 'cache-control': 'no-store' });
  })
  .delete('/auth/sessions/:sessionId', requireSession, async (c) => {
    const sessionId = c.req.param('sessionId');
    const { session } = c.var;
    if (
      !v.is(RecordIdSchema, sessionId) ||
      !(await userRecord(c.env, session.userId).revokeSession(sessionId))
    ) {
      throw new ApiError('NOT_FOUND', 'You have no such session.');
    }
    await closeSessionSockets(c.env, session.userId, sessionId);
    if (sessionId === session.sessionId) clearSessionCookie(c);
    return c.body(null, 204);
  })
  .route('/', passkeyRoutes);
