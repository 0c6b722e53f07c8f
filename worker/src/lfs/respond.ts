import type { Context } from 'hono';
import type { Role } from '#shared/accounts/roles';
import { LFS_MEDIA_TYPE, type LfsErrorBody } from '#shared/lfs/protocol';
import {
  APP_PASSWORD_REALM,
  authenticateAppPassword,
  scopedAccess,
  type AppPrincipal,
} from '../auth/app-password';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';

/** JSON in the LFS media type (G1): the git-lfs client reads nothing else as an answer. */
export function lfsJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': LFS_MEDIA_TYPE, 'cache-control': 'no-store' },
  });
}

/**
 * An error in the LFS shape (`{ message }`, which the client prints, plus Baton's `code`). A 401
 * carries the Basic challenge, so that git asks its credential helper and retries (G2).
 */
export function lfsError(error: ApiError): Response {
  const body: LfsErrorBody = { message: error.message, code: error.code };
  const response = lfsJson(body, error.status);
  if (error.status === 401) {
    const challenge = `Basic realm="${APP_PASSWORD_REALM}", charset="UTF-8"`;
    response.headers.set('www-authenticate', challenge);
    response.headers.set('lfs-authenticate', challenge);
  }
  if (error.retryAfterMs !== undefined)
    response.headers.set('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  return response;
}

/** Wraps an LFS handler so that every expected failure answers in the LFS shape. */
export function lfsHandler<C extends Context>(run: (c: C) => Promise<Response>): (c: C) => Promise<Response> {
  return async (c) => {
    try {
      return await run(c);
    } catch (error) {
      if (error instanceof ApiError) return lfsError(error);
      throw error;
    }
  };
}

/** Who calls, in which space, with which role now (asked of the space on every request, G2). */
export interface LfsCaller {
  spaceId: string;
  spaceName: string;
  userId: string;
  username: string;
  role: Role;
  principal: AppPrincipal;
}

const NO_SPACE = 'There is no Baton space at this Git LFS URL, or you are not a member of it.';

/**
 * Authenticates the app password (401 with the challenge when missing or wrong) and finds the
 * caller's role in the space of the URL, capped by the password's scope. A space the caller is
 * not in, or one outside the password's scope, is 404, exactly like one that does not exist.
 */
export async function lfsCaller(c: Context<{ Bindings: Env }>, spaceId: string): Promise<LfsCaller> {
  const principal = await authenticateAppPassword(c);
  const access = await scopedAccess(c.env, principal, spaceId);
  if (!access) throw new ApiError('NOT_FOUND', NO_SPACE);
  return {
    spaceId,
    spaceName: access.spaceName,
    userId: principal.userId,
    username: principal.username,
    role: access.role,
    principal,
  };
}

/** The not-found answer for a space the caller cannot see. */
export function noSpace(): ApiError {
  return new ApiError('NOT_FOUND', NO_SPACE);
}
