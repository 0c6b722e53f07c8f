import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '#shared/accounts/auth';
import { randomToken, sha256Hex } from '../accounts/crypto';
import { SESSION_TTL_MS } from '../accounts/directory';
import { describeDevice } from '../accounts/device';
import type { Env } from '../env';

/** The one account directory (an AccountObject named 'directory'). */
export function directory(env: Env): DurableObjectStub<import('../objects/account-object').AccountObject> {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory'));
}

/** The SpaceObject of a space. */
export function spaceStub(env: Env, spaceId: string): DurableObjectStub<import('../objects/space-object').SpaceObject> {
  return env.SPACES.get(env.SPACES.idFromName(spaceId));
}

/** The session token the request carries, if any. */
export function sessionToken(c: Context): string | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

/**
 * Starts a session for `userId`: a 256-bit random token, kept by the server only as its SHA-256,
 * sent as an HttpOnly, Secure, SameSite=Lax cookie. (Browsers accept Secure cookies from
 * http://localhost, so the local server needs no TLS.)
 */
export async function startSession<E extends { Bindings: Env }>(c: Context<E>, userId: string): Promise<{ sessionId: string }> {
  const token = randomToken(32);
  const device = describeDevice(c.req.header('user-agent'));
  const session = await directory(c.env).createSession(userId, await sha256Hex(token), device);
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return session;
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
}
