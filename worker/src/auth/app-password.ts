import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import * as v from 'valibot';
import type { AppPasswordAccess } from '#shared/accounts/app-passwords';
import { SpaceIdSchema } from '#shared/accounts/ids';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import { normaliseUsername } from '#shared/accounts/username';
import { randomToken, sha256Hex } from '../kernel/crypto';
import { ADDRESS_THROTTLE } from '../accounts/throttle';
import type { Env } from '../env';
import { ApiError, errorResponse } from '../http/api-error';
import { clientAddress } from '../http/client-address';
import { directory, spaceStub, userRecord } from '../objects/stubs';

/**
 * Who a request signed with an app password acts for, and what the password allows. App
 * passwords are accepted only by the protocol fronts for programs that are not the browser
 * (`/dav`, `/lfs`); the browser API reads only the session cookie, so its Origin rule stands.
 */
export interface AppPrincipal {
  userId: string;
  username: string;
  /** How to name the user to other people (the username; accounts have no other name). */
  displayName: string;
  appPasswordId: string;
  /** One space (`spaceId`) or all the user's spaces (`null`); `read` caps the role at viewer. */
  scope: { spaceId: string | null; access: AppPasswordAccess };
}

/** `c.var.principal` once {@link requireAppPassword} has run. */
export type AppPasswordVariables = { principal: AppPrincipal };

/** The realm of the Basic challenge: what desktop programs show when they ask for a password. */
export const APP_PASSWORD_REALM = 'Baton';

// `bt1_<userId: 22><secret: 43>`: the user id routes the check to that user's own object (like a
// session token); the secret is 32 random bytes (256 bits). The prefix tells people and secret
// scanners what it is.
const PREFIX = 'bt1_';
const TOKEN_PATTERN = /^bt1_([A-Za-z0-9_-]{22})[A-Za-z0-9_-]{43}$/;

/** A new app password for `userId` (shown to the user once) and the hash that is kept. */
export async function makeAppPassword(userId: string): Promise<{ password: string; tokenHash: string }> {
  const password = `${PREFIX}${userId}${randomToken(32)}`;
  return { password, tokenHash: await sha256Hex(password) };
}

/** The credentials an `Authorization` header carries: Basic (username + app password) or Bearer. */
function credentialsOf(header: string | undefined): { username: string | null; password: string } | null {
  if (!header) return null;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer' && value) return { username: null, password: value };
  if (scheme.toLowerCase() !== 'basic' || !value) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(atob(value), (char) => char.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const WRONG = 'Wrong username or app password. Create an app password in Baton under Settings.';
const MISSING = 'Sign in with your username and an app password (create one in Baton under Settings).';

/**
 * Authenticates the request's app password, or throws `401 UNAUTHENTICATED` (missing, wrong,
 * revoked) or `429 RATE_LIMITED`. Failures are throttled with the sign-in policies: per user in
 * the user's own object (checked before the password is looked at) and per client address in
 * the directory. A good request costs one RPC, to the user's own object; the directory is
 * touched only by failures. (A secret has 256 bits, so the address count after a failure,
 * rather than before each attempt, gives guessing nothing.)
 */
export async function authenticateAppPassword<E extends { Bindings: Env }>(
  c: Context<E>,
): Promise<AppPrincipal> {
  const credentials = credentialsOf(c.req.header('authorization'));
  // No credentials is how every desktop client starts (it waits for the challenge): not a failure.
  if (!credentials) throw new ApiError('UNAUTHENTICATED', MISSING);
  const userId = TOKEN_PATTERN.exec(credentials.password)?.[1];
  let failure = new ApiError('UNAUTHENTICATED', WRONG);
  if (userId) {
    const result = await userRecord(c.env, userId).checkAppPassword(await sha256Hex(credentials.password));
    // With Basic, the username typed must be the owner's (normalised like sign-in).
    const typed = credentials.username;
    if (result.ok && (typed === null || normaliseUsername(typed) === result.value.username)) {
      const { username, appPasswordId, spaceId, access } = result.value;
      return { userId, username, displayName: username, appPasswordId, scope: { spaceId, access } };
    }
    if (!result.ok && result.code === 'RATE_LIMITED')
      throw new ApiError(result.code, result.message, { retryAfterMs: result.retryAfterMs });
  }
  const keys = [{ key: `addr:${clientAddress(c)}`, policy: ADDRESS_THROTTLE }];
  const dir = directory(c.env);
  const wait = await dir.attemptWaitMs(keys);
  if (wait > 0) {
    failure = new ApiError(
      'RATE_LIMITED',
      `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`,
      {
        retryAfterMs: wait,
      },
    );
  } else await dir.recordFailures(keys);
  throw failure;
}

/** The error answer with the Basic challenge that makes desktop programs ask for a password. */
export function appPasswordErrorResponse(error: ApiError): Response {
  const response = errorResponse(error);
  if (error.status === 401)
    response.headers.set('www-authenticate', `Basic realm="${APP_PASSWORD_REALM}", charset="UTF-8"`);
  return response;
}

/** Middleware: sets `c.var.principal`, or answers 401 with `WWW-Authenticate: Basic realm="Baton"` (or 429). */
export const requireAppPassword = createMiddleware<{ Bindings: Env; Variables: AppPasswordVariables }>(
  async (c, next) => {
    try {
      c.set('principal', await authenticateAppPassword(c));
    } catch (error) {
      if (error instanceof ApiError) return appPasswordErrorResponse(error);
      throw error;
    }
    await next();
  },
);

/** What a principal may do in one space: its role there, capped by the app password's scope. */
export interface ScopedAccess {
  spaceId: string;
  spaceName: string;
  role: Role;
}

/** The highest role an app password's access allows. */
function capOf(access: AppPasswordAccess): Role {
  return access === 'read' ? 'viewer' : 'owner';
}

/**
 * The principal's effective access to `spaceId`, asked of the space on every call (so a removal
 * or a lowered role takes effect on the next request): the member's role capped by the scope
 * (`read` → at most viewer), or null when the user is not a member or the space is outside the
 * password's scope — which the caller answers as 404, exactly like a non-member.
 */
export async function scopedAccess(
  env: Env,
  principal: AppPrincipal,
  spaceId: string,
): Promise<ScopedAccess | null> {
  if (!v.is(SpaceIdSchema, spaceId)) return null;
  if (principal.scope.spaceId !== null && principal.scope.spaceId !== spaceId) return null;
  const access = await spaceStub(env, spaceId).spaceAccess(principal.userId);
  if (!access) return null;
  const cap = capOf(principal.scope.access);
  return { spaceId, spaceName: access.space.name, role: roleAtLeast(cap, access.role) ? access.role : cap };
}

/** The principal's effective role in `spaceId` (see {@link scopedAccess}), or null. */
export async function effectiveRole(
  env: Env,
  principal: AppPrincipal,
  spaceId: string,
): Promise<Role | null> {
  return (await scopedAccess(env, principal, spaceId))?.role ?? null;
}
