import { roleAtLeast } from '#shared/accounts/roles';
import { checkQuota, formatBytes } from '#shared/blobs/quota';
import {
  LFS_ACTION_TTL_MS,
  LFS_MAX_OBJECT_BYTES,
  type LfsBatchRequest,
  type LfsBatchResponse,
  type LfsObjectResult,
} from '#shared/lfs/protocol';
import { spaceStub } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { signAction, type ActionGrant } from './action-token';
import type { LfsCaller } from './respond';

/** The blob reference that keeps an object pushed through Git LFS (G5): not an item id (they have no `:`). */
export function lfsRef(oid: string): string {
  return `lfs:${oid}`;
}

/**
 * Answers a batch request with the basic transfer (G3–G5). Objects are the space's blobs: an
 * upload of an object the space already has (from git or the app) gets no actions, and is kept
 * for git from then on; a download of one it lacks gets a 404 object error. Hrefs point at
 * Baton's own transfer routes, each with a signed authorization good for {@link LFS_ACTION_TTL_MS}.
 */
export async function answerBatch(
  env: Env,
  caller: LfsCaller,
  origin: string,
  req: LfsBatchRequest,
): Promise<LfsBatchResponse> {
  if (req.hash_algo !== undefined && req.hash_algo !== 'sha256')
    throw new ApiError('CONFLICT', `Baton stores objects by SHA-256 only, not ${req.hash_algo}.`);
  if (req.transfers && !req.transfers.includes('basic'))
    throw new ApiError('VALIDATION_FAILED', 'Baton offers only the basic transfer adapter.');
  if (req.operation === 'upload' && !roleAtLeast(caller.role, 'editor'))
    throw new ApiError(
      'FORBIDDEN',
      `${caller.username} can only read “${caller.spaceName}”: pushing needs the editor role.`,
    );
  const space = spaceStub(env, caller.spaceId);
  const objects = [...new Map(req.objects.map((o) => [o.oid, o])).values()];
  const stored = await Promise.all(objects.map((o) => space.blobGet(o.oid)));
  const key = await space.lfsActionKey();
  const expiresAt = Date.now() + LFS_ACTION_TTL_MS;
  const action = async (op: ActionGrant['op'], oid: string, size: number, path: string) => ({
    href: `${origin}/lfs/${caller.spaceId}/objects/${oid}${path}`,
    header: {
      authorization: `Bearer ${await signAction(
        {
          spaceId: caller.spaceId,
          userId: caller.userId,
          username: caller.username,
          appPasswordId: caller.principal.appPasswordId,
          access: caller.principal.scope.access,
          op,
          oid,
          size,
          expiresAt,
        },
        key,
      )}`,
    },
    expires_in: Math.floor(LFS_ACTION_TTL_MS / 1000),
  });

  const results: LfsObjectResult[] = [];
  let newBytes = 0;
  for (const [i, { oid, size }] of objects.entries()) {
    const have = stored[i] ?? null;
    if (have && have.size !== size) {
      results.push({
        oid,
        size,
        error: { code: 422, message: `Object ${oid} is stored with ${have.size} bytes, not ${size}.` },
      });
    } else if (req.operation === 'download') {
      results.push(
        have
          ? { oid, size, authenticated: true, actions: { download: await action('download', oid, size, '') } }
          : { oid, size, error: { code: 404, message: `Object ${oid} is not stored in this space.` } },
      );
    } else if (have) {
      // Already stored (pushed before, or uploaded in the app): from now on git refers to it too.
      await space.blobSetItemRef(lfsRef(oid), oid);
      results.push({ oid, size });
    } else if (size > LFS_MAX_OBJECT_BYTES) {
      results.push({
        oid,
        size,
        error: {
          code: 422,
          message: `Object ${oid} is ${formatBytes(size)}; Git LFS uploads to Baton are limited to ${formatBytes(LFS_MAX_OBJECT_BYTES)}.`,
        },
      });
    } else {
      newBytes += size;
      const upload = await action('upload', oid, size, '');
      const verify = await action('upload', oid, size, '/verify');
      results.push({ oid, size, authenticated: true, actions: { upload, verify } });
    }
  }
  if (newBytes > 0) {
    const fits = checkQuota(await space.blobUsage(), newBytes, Infinity);
    if (!fits.ok)
      throw new ApiError('QUOTA_EXCEEDED', `This push needs ${formatBytes(newBytes)}: ${fits.message}`);
  }
  return { transfer: 'basic', objects: results, hash_algo: 'sha256' };
}
