import type { Context } from 'hono';
import * as v from 'valibot';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import { LfsVerifyRequestSchema } from '#shared/lfs/protocol';
import { scopedAccess } from '../auth/app-password';
import { spaceStub } from '../objects/stubs';
import { putBlob } from '../routes/put-blob';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/validate';
import { claimedSpace, verifyAction, type ActionGrant } from './action-token';
import { lfsRef } from './batch';
import { lfsJson, noSpace } from './respond';

type LfsContext = Context<{ Bindings: Env }>;

const EXPIRED = 'This transfer’s authorization is not valid or has expired; run the git command again.';

/**
 * The grant of the action's `Authorization` header for `op` on `oid` in `spaceId`, with the
 * holder's role asked of the space again (G3): a member removed, or lowered below `role`, since
 * the batch cannot use what the batch handed out.
 */
async function grantFor(c: LfsContext, spaceId: string, oid: string, op: ActionGrant['op'], role: Role) {
  const token = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  if (claimedSpace(token) !== spaceId) throw new ApiError('UNAUTHENTICATED', EXPIRED);
  const key = await spaceStub(c.env, spaceId).lfsActionKey();
  const grant = await verifyAction(token, key, Date.now());
  if (!grant || grant.op !== op || grant.oid !== oid) throw new ApiError('UNAUTHENTICATED', EXPIRED);
  const principal = {
    userId: grant.userId,
    username: grant.username,
    displayName: grant.username,
    appPasswordId: grant.appPasswordId,
    scope: { spaceId, access: grant.access },
  };
  const access = await scopedAccess(c.env, principal, spaceId);
  if (!access) throw noSpace();
  if (!roleAtLeast(access.role, role))
    throw new ApiError(
      'FORBIDDEN',
      `${grant.username} no longer has the ${role} role in “${access.spaceName}”.`,
    );
  return grant;
}

/** `PUT /lfs/:spaceId/objects/:oid`: the basic upload (G4), stored as the space's blob, hash verified. */
export async function uploadObject(c: LfsContext, spaceId: string, oid: string): Promise<Response> {
  const grant = await grantFor(c, spaceId, oid, 'upload', 'editor');
  const length = Number(c.req.header('content-length') ?? NaN);
  if (length !== grant.size)
    throw new ApiError(
      'BAD_REQUEST',
      `Object ${oid} is ${grant.size} bytes; the upload must carry exactly that.`,
    );
  await putBlob(c.env, spaceId, oid, grant.size, c.req.raw.body, grant.userId);
  await spaceStub(c.env, spaceId).blobSetItemRef(lfsRef(oid), oid);
  return lfsJson({});
}

/** `POST /lfs/:spaceId/objects/:oid/verify`: the object is stored with that size (G4). */
export async function verifyObject(c: LfsContext, spaceId: string, oid: string): Promise<Response> {
  const grant = await grantFor(c, spaceId, oid, 'upload', 'editor');
  const body = await readJson(c, LfsVerifyRequestSchema);
  if (body.oid !== oid) throw new ApiError('VALIDATION_FAILED', 'The verify body names another object.');
  const stored = await spaceStub(c.env, spaceId).blobGet(oid);
  if (!stored || stored.size !== body.size)
    throw new ApiError('NOT_FOUND', `Object ${oid} is not stored with ${body.size} bytes.`);
  await spaceStub(c.env, spaceId).blobSetItemRef(lfsRef(grant.oid), oid);
  return lfsJson({});
}

/** `GET /lfs/:spaceId/objects/:oid`: the basic download. */
export async function downloadObject(c: LfsContext, spaceId: string, oid: string): Promise<Response> {
  await grantFor(c, spaceId, oid, 'download', 'viewer');
  const stored = await spaceStub(c.env, spaceId).blobGet(oid);
  const object = stored ? await c.env.BLOBS.get(stored.key) : null;
  if (!stored || !object) throw new ApiError('NOT_FOUND', `Object ${oid} is not stored in this space.`);
  return new Response(object.body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(stored.size),
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** An oid in a URL: 64 lowercase hex characters. */
export const OidParamSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
