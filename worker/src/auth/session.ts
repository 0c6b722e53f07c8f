import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE, type MeResponse } from '#shared/accounts/auth';
import { randomToken, sha256Hex } from '../kernel/crypto';
import { describeDevice } from '../accounts/device';
import { SESSION_TTL_MS } from '../accounts/user-record';
import { cookieSecure } from '../config';
import { directory, userRecord } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';

// `<userId>.<43 characters>`: the user id routes the check to that user's object; the secret is
// 32 random bytes (256 bits).
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** The session token the request carries, and the user it names, if well formed. */
export function sessionToken(c: Context): { token: string; userId: string } | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  const userId = token ? TOKEN_PATTERN.exec(token)?.[1] : undefined;
  return token && userId ? { token, userId } : undefined;
}

/**
 * Starts a session: a 256-bit random secret, prefixed with the user id, kept by the server only
 * as the SHA-256 of the whole token, sent as an HttpOnly, Secure, SameSite=Lax cookie.
 * (Browsers accept Secure cookies from http://localhost, so the local server needs no TLS; a
 * self-hosted server reached over plain HTTP by another name sets COOKIE_SECURE=false.)
 */
export async function startSession<E extends { Bindings: Env }>(
  c: Context<E>,
  user: { userId: string; username: string },
): Promise<{ sessionId: string }> {
  const token = `${user.userId}.${randomToken(32)}`;
  const device = describeDevice(c.req.header('user-agent'));
  const session = await userRecord(c.env, user.userId).createSession(
    user.userId,
    user.username,
    await sha256Hex(token),
    device,
  );
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: cookieSecure(c.env),
    sameSite: 'Lax',
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return session;
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie<E extends { Bindings: Env }>(c: Context<E>): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: '/',
    secure: cookieSecure(c.env),
    httpOnly: true,
    sameSite: 'Lax',
  });
}

/** The answer of sign-up, sign-in and `GET /api/auth/me` for `userId`. */
export async function meOf(env: Env, userId: string): Promise<MeResponse> {
  const user = await directory(env).user(userId);
  if (!user) throw new ApiError('UNAUTHENTICATED', 'Sign in to continue.');
  return { user };
}
