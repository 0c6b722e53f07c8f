import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { sha256Hex } from '../kernel/crypto';
import type { SessionOwner } from '../accounts/user-record';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { sessionToken } from './session';
import { userRecord } from '../objects/stubs';

/** `c.var.session` once {@link requireSession} has run. */
export type SessionVariables = { session: SessionOwner };

/** The session of the request, or undefined (no cookie, unknown, revoked or expired). One RPC, to the user's own object. */
export async function findSession<E extends { Bindings: Env }>(
  c: Context<E>,
): Promise<SessionOwner | undefined> {
  const found = sessionToken(c);
  if (!found) return undefined;
  const session = await userRecord(c.env, found.userId).sessionByTokenHash(await sha256Hex(found.token));
  // The user id in the token only routes the lookup; the stored hash decides.
  return session?.userId === found.userId ? session : undefined;
}

/** Authenticates the request, or throws 401 UNAUTHENTICATED. */
export async function authenticate<E extends { Bindings: Env }>(c: Context<E>): Promise<SessionOwner> {
  const session = await findSession(c);
  if (!session) throw new ApiError('UNAUTHENTICATED', 'Sign in to continue.');
  return session;
}

/** Middleware: sets `c.var.session = { userId, sessionId, username }`, or answers 401 UNAUTHENTICATED. */
export const requireSession = createMiddleware<{ Bindings: Env; Variables: SessionVariables }>(
  async (c, next) => {
    c.set('session', await authenticate(c));
    await next();
  },
);
