import { Hono } from 'hono';
import * as v from 'valibot';
import { RecordIdSchema, UserIdSchema } from '#shared/accounts/ids';
import {
  CreateLinkRequestSchema,
  LinkTokenSchema,
  type CreateLinkResponse,
  type JoinResponse,
  type LinkListResponse,
} from '#shared/accounts/links';
import {
  ChangeRoleRequestSchema,
  CreateSpaceRequestSchema,
  RenameSpaceRequestSchema,
  type MemberListResponse,
  type MemberResponse,
  type Space,
  type SpaceListResponse,
  type SpaceResponse,
} from '#shared/accounts/spaces';
import { randomToken, sha256Hex } from '../kernel/crypto';
import { unwrap } from '../http/api-error';
import { requireSession } from '../auth/require-session';
import { requireSpaceRole, type SpaceMember } from '../auth/require-space-role';
import { spaceStub, userRecord } from '../objects/stubs';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/validate';

const NO_STORE = { 'cache-control': 'no-store' };

function spaceOf(member: SpaceMember): Space {
  return {
    spaceId: member.spaceId,
    name: member.spaceName,
    role: member.role,
    createdAt: member.spaceCreatedAt,
  };
}

function parseParam<S extends v.GenericSchema>(
  schema: S,
  value: string | undefined,
  message: string,
): v.InferOutput<S> {
  if (!v.is(schema, value)) throw new ApiError('NOT_FOUND', message);
  return value;
}

/** Spaces, members, share links and joining; authorization per route is in docs/api.md. */
export const spaceRoutes = new Hono<AppEnv>()
  .get('/spaces', requireSession, async (c) => {
    const entries = await userRecord(c.env, c.var.session.userId).listMemberships();
    const body: SpaceListResponse = { spaces: entries };
    return c.json(body, 200, NO_STORE);
  })
  .post('/spaces', requireSession, async (c) => {
    const { name } = await readJson(c, CreateSpaceRequestSchema);
    const { userId, username } = c.var.session;
    const spaceId = randomToken();
    const info = unwrap(await spaceStub(c.env, spaceId).createSpace(spaceId, name, { userId, username }));
    const space: Space = { ...info, role: 'owner' };
    await userRecord(c.env, userId).putMembership(userId, space);
    const body: SpaceResponse = { space };
    return c.json(body, 201);
  })
  .get('/spaces/:spaceId', requireSpaceRole('viewer'), (c) => {
    const body: SpaceResponse = { space: spaceOf(c.var.member) };
    return c.json(body, 200, NO_STORE);
  })
  .patch('/spaces/:spaceId', requireSpaceRole('owner'), async (c) => {
    const { name } = await readJson(c, RenameSpaceRequestSchema);
    const { member } = c.var;
    const stub = spaceStub(c.env, member.spaceId);
    await stub.renameSpace(name);
    // Each member's own list of spaces carries the name too.
    const members = await stub.listMembers();
    await Promise.all(members.map((m) => userRecord(c.env, m.userId).renameMembership(member.spaceId, name)));
    const body: SpaceResponse = { space: { ...spaceOf(member), name } };
    return c.json(body, 200);
  })
  .delete('/spaces/:spaceId', requireSpaceRole('owner'), async (c) => {
    const { spaceId } = c.var.member;
    const userIds = await spaceStub(c.env, spaceId).deleteSpace();
    await Promise.all(userIds.map((userId) => userRecord(c.env, userId).dropMembership(spaceId)));
    return c.body(null, 204);
  })
  .get('/spaces/:spaceId/members', requireSpaceRole('viewer'), async (c) => {
    const body: MemberListResponse = { members: await spaceStub(c.env, c.var.member.spaceId).listMembers() };
    return c.json(body, 200, NO_STORE);
  })
  .patch('/spaces/:spaceId/members/:userId', requireSpaceRole('owner'), async (c) => {
    const userId = parseParam(
      UserIdSchema,
      c.req.param('userId'),
      'That user is not a member of this space.',
    );
    const { role } = await readJson(c, ChangeRoleRequestSchema);
    const { member } = c.var;
    const changed = unwrap(await spaceStub(c.env, member.spaceId).changeRole(userId, role));
    await userRecord(c.env, userId).putMembership(userId, { ...spaceOf(member), role: changed.role });
    const body: MemberResponse = { member: changed };
    return c.json(body, 200);
  })
  .delete('/spaces/:spaceId/members/:userId', requireSpaceRole('owner'), async (c) => {
    const userId = parseParam(
      UserIdSchema,
      c.req.param('userId'),
      'That user is not a member of this space.',
    );
    const { spaceId } = c.var.member;
    unwrap(await spaceStub(c.env, spaceId).removeMember(userId));
    await userRecord(c.env, userId).dropMembership(spaceId);
    return c.body(null, 204);
  })
  .post('/spaces/:spaceId/leave', requireSpaceRole('viewer'), async (c) => {
    const { spaceId, userId } = c.var.member;
    unwrap(await spaceStub(c.env, spaceId).removeMember(userId));
    await userRecord(c.env, userId).dropMembership(spaceId);
    return c.body(null, 204);
  })
  .get('/spaces/:spaceId/links', requireSpaceRole('owner'), async (c) => {
    const body: LinkListResponse = { links: await spaceStub(c.env, c.var.member.spaceId).listLinks() };
    return c.json(body, 200, NO_STORE);
  })
  .post('/spaces/:spaceId/links', requireSpaceRole('owner'), async (c) => {
    const request = await readJson(c, CreateLinkRequestSchema);
    const { spaceId, username } = c.var.member;
    const token = `${spaceId}.${randomToken(24)}`;
    const link = await spaceStub(c.env, spaceId).createLink({
      tokenHash: await sha256Hex(token),
      role: request.role,
      createdBy: username,
      expiresInMs: request.expiresInMs,
      maxUses: request.maxUses,
    });
    const body: CreateLinkResponse = { link, token, path: `/join/${token}` };
    return c.json(body, 201);
  })
  .delete('/spaces/:spaceId/links/:linkId', requireSpaceRole('owner'), async (c) => {
    const linkId = parseParam(RecordIdSchema, c.req.param('linkId'), 'This space has no such share link.');
    unwrap(await spaceStub(c.env, c.var.member.spaceId).revokeLink(linkId));
    return c.body(null, 204);
  })
  .get('/join/:token', async (c) => {
    const token = parseParam(
      LinkTokenSchema,
      c.req.param('token'),
      'This share link is not valid. Check that it was copied completely.',
    );
    const spaceId = token.slice(0, token.indexOf('.'));
    const preview = unwrap(await spaceStub(c.env, spaceId).previewLink(await sha256Hex(token)));
    const body: JoinResponse = { spaceId, spaceName: preview.space.name, role: preview.role };
    return c.json(body, 200, NO_STORE);
  })
  .post('/join/:token', requireSession, async (c) => {
    const token = parseParam(
      LinkTokenSchema,
      c.req.param('token'),
      'This share link is not valid. Check that it was copied completely.',
    );
    const spaceId = token.slice(0, token.indexOf('.'));
    const { userId, username } = c.var.session;
    const access = unwrap(
      await spaceStub(c.env, spaceId).redeemLink(await sha256Hex(token), { userId, username }),
    );
    await userRecord(c.env, userId).putMembership(userId, {
      spaceId,
      name: access.space.name,
      role: access.role,
      createdAt: access.space.createdAt,
    });
    const body: JoinResponse = { spaceId, spaceName: access.space.name, role: access.role };
    return c.json(body, 200);
  });
