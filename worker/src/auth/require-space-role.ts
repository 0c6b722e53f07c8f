import { createMiddleware } from 'hono/factory';
import * as v from 'valibot';
import { SpaceIdSchema } from '#shared/accounts/ids';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import type { SessionOwner } from '../accounts/user-record';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { SPACE_NOT_FOUND_MESSAGE } from '../space/membership';
import { authenticate } from './require-session';
import { spaceStub } from '../objects/stubs';

/** The caller's membership in the space named by the route's `:spaceId`. */
export interface SpaceMember {
  spaceId: string;
  userId: string;
  username: string;
  role: Role;
  spaceName: string;
  spaceCreatedAt: number;
}

/** `c.var.session` and `c.var.member` once {@link requireSpaceRole} has run. */
export type SpaceVariables = { session: SessionOwner; member: SpaceMember };

/**
 * Middleware for routes with `:spaceId`: authenticates (401), then asks the space's object for the
 * caller's role (one RPC). A space that does not exist and a space the caller is not a member of
 * both answer 404 NOT_FOUND with the same message, so nobody learns that a space exists; a member
 * whose role is below `minRole` gets 403 FORBIDDEN.
 */
export function requireSpaceRole(minRole: Role) {
  return createMiddleware<{ Bindings: Env; Variables: SpaceVariables }>(async (c, next) => {
    const session = c.var.session ?? (await authenticate(c));
    c.set('session', session);
    const spaceId = c.req.param('spaceId');
    if (!spaceId || !v.is(SpaceIdSchema, spaceId)) throw new ApiError('NOT_FOUND', SPACE_NOT_FOUND_MESSAGE);
    const access = await spaceStub(c.env, spaceId).spaceAccess(session.userId);
    if (!access) throw new ApiError('NOT_FOUND', SPACE_NOT_FOUND_MESSAGE);
    if (!roleAtLeast(access.role, minRole)) {
      throw new ApiError(
        'FORBIDDEN',
        `This needs the ${minRole} role in this space; you are ${access.role === 'editor' ? 'an' : 'a'} ${access.role}.`,
      );
    }
    c.set('member', {
      spaceId,
      userId: session.userId,
      username: access.username,
      role: access.role,
      spaceName: access.space.name,
      spaceCreatedAt: access.space.createdAt,
    });
    await next();
  });
}
