import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { sha256Hex } from '../accounts/crypto';
import type { SessionOwner } from '../accounts/directory';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { directory, sessionToken } from './session';

/** `c.var.session` once {@link requireSession} has run. */
export type SessionVariables = { session: SessionOwner };

/** The session of the request, or undefined (no cookie, unknown, revoked or expired). One RPC. */
export async function findSession<E extends { Bindings: Env }>(c: Context<E>): Promise<SessionOwner | undefined> {
  const token = sessionToken(c);
  if (!token) return undefined;
  return directory(c.env).sessionByTokenHash(await sha256Hex(token));
}

/** Authenticates the request, or throws 401 UNAUTHENTICATED. */
export async function authenticate<E extends { Bindings: Env }>(c: Context<E>): Promise<SessionOwner> {
  const session = await findSession(c);
  if (!session) throw new ApiError('UNAUTHENTICATED', 'Sign in to continue.');
  return session;
}

/** Middleware: sets `c.var.session = { userId, sessionId, username }`, or answers 401 UNAUTHENTICATED. */
export const requireSession = createMiddleware<{ Bindings: Env; Variables: SessionVariables }>(async (c, next) => {
  c.set('session', await authenticate(c));
  await next();
});
