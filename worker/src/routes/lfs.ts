import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import {
  LfsBatchRequestSchema,
  LfsCreateLockRequestSchema,
  LfsListLocksQuerySchema,
  LfsUnlockRequestSchema,
  LfsVerifyLocksRequestSchema,
} from '#shared/lfs/protocol';
import { requireSpaceRole, type SpaceVariables } from '../auth/require-space-role';
import { spaceStub } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { parseWith, readJson } from '../http/validate';
import { answerBatch, lfsRef } from '../lfs/batch';
import { createLock, listLocks, unlock, verifyLocks } from '../lfs/locks';
import { lfsCaller, lfsHandler, lfsJson } from '../lfs/respond';
import { downloadObject, OidParamSchema, uploadObject, verifyObject } from '../lfs/transfer';

type LfsContext = Context<{ Bindings: Env }>;

/** The oid of the route, or a 404 (an object is addressed by its SHA-256). */
function oidOf(c: LfsContext): string {
  const oid = c.req.param('oid');
  if (!v.is(OidParamSchema, oid))
    throw new ApiError('NOT_FOUND', 'An object is addressed by its SHA-256 in lowercase hex.');
  return oid;
}

const spaceOf = (c: LfsContext) => c.req.param('spaceId') ?? '';

/**
 * The Git LFS endpoint of a space, `<origin>/lfs/<spaceId>` (docs/git-lfs.md, rules in
 * docs/spec/git-lfs.md): batch and locking API with app passwords over Basic; transfer routes
 * with the short-lived authorization the batch handed out. Outside `/api`: git is no browser, so
 * the API's Origin rule does not apply, and the session cookie is never read here.
 */
export const lfsRoutes = new Hono<{ Bindings: Env }>()
  .post(
    '/:spaceId/objects/batch',
    lfsHandler(async (c: LfsContext) => {
      const caller = await lfsCaller(c, spaceOf(c));
      const body = await readJson(c, LfsBatchRequestSchema);
      return lfsJson(await answerBatch(c.env, caller, new URL(c.req.url).origin, body));
    }),
  )
  .put(
    '/:spaceId/objects/:oid',
    lfsHandler((c: LfsContext) => uploadObject(c, spaceOf(c), oidOf(c))),
  )
  .get(
    '/:spaceId/objects/:oid',
    lfsHandler((c: LfsContext) => downloadObject(c, spaceOf(c), oidOf(c))),
  )
  .post(
    '/:spaceId/objects/:oid/verify',
    lfsHandler((c: LfsContext) => verifyObject(c, spaceOf(c), oidOf(c))),
  )
  .post(
    '/:spaceId/locks',
    lfsHandler(async (c: LfsContext) => {
      const caller = await lfsCaller(c, spaceOf(c));
      const { path } = await readJson(c, LfsCreateLockRequestSchema);
      const { status, body } = await createLock(c.env, caller, path);
      return lfsJson(body, status);
    }),
  )
  .get(
    '/:spaceId/locks',
    lfsHandler(async (c: LfsContext) => {
      const caller = await lfsCaller(c, spaceOf(c));
      const query = parseWith(LfsListLocksQuerySchema, c.req.query(), 'query');
      return lfsJson(await listLocks(c.env, caller, query));
    }),
  )
  .post(
    '/:spaceId/locks/verify',
    lfsHandler(async (c: LfsContext) => {
      const caller = await lfsCaller(c, spaceOf(c));
      return lfsJson(await verifyLocks(c.env, caller, await readJson(c, LfsVerifyLocksRequestSchema)));
    }),
  )
  .post(
    '/:spaceId/locks/:id/unlock',
    lfsHandler(async (c: LfsContext) => {
      const caller = await lfsCaller(c, spaceOf(c));
      const { force } = await readJson(c, LfsUnlockRequestSchema);
      return lfsJson(await unlock(c.env, caller, c.req.param('id') ?? '', force === true));
    }),
  )
  .all(
    '*',
    lfsHandler(() => Promise.reject(new ApiError('NOT_FOUND', 'The Git LFS API has no such route.'))),
  );

/**
 * `DELETE /api/spaces/:spaceId/lfs/objects/:oid` (owners): git no longer keeps the object (G5). It
 * is then a blob like any other: kept while an item refers to it, else removed after the grace
 * of a released blob.
 */
export const lfsApiRoutes = new Hono<{ Bindings: Env; Variables: SpaceVariables }>().delete(
  '/spaces/:spaceId/lfs/objects/:oid',
  requireSpaceRole('owner'),
  async (c) => {
    const oid = c.req.param('oid');
    if (!v.is(OidParamSchema, oid))
      throw new ApiError('NOT_FOUND', 'An object is addressed by its SHA-256 in lowercase hex.');
    await spaceStub(c.env, c.var.member.spaceId).blobSetItemRef(lfsRef(oid), null);
    return c.body(null, 204);
  },
);
