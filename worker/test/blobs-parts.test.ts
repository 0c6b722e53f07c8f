import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MIN_PART_BYTES } from '#shared/blobs/limits';
import { BlobInfoSchema, UploadStateSchema } from '#shared/blobs/protocol';
import { ErrorBodySchema } from '#shared/errors';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { blobsOf, codeOf, multipart, put, putPart, randomBytes } from './support/blobs';
import { sha256 } from '../../tests/support/sha256';

// Several-MiB bodies and several objects per test: generous on a loaded machine.
vi.setConfig({ testTimeout: 30_000 });
type User = { cookie: string; userId: string; username: string };
let alice: User;
let bob: User;
let spaceId: string;
const space = (id: string) => env.SPACES.get(env.SPACES.idFromName(id));

beforeAll(async () => {
  alice = await signUp();
  ({ spaceId } = await createSpace(alice.cookie, 'Parts'));
  bob = await addMember(alice.cookie, spaceId, 'editor');
});

const complete = (cookie: string, uploadId: string) =>
  api(`${blobsOf(spaceId)}/uploads/${uploadId}/complete`, { method: 'POST', cookie });

async function started(cookie: string, data: Uint8Array) {
  const { res, body, sha } = await multipart(cookie, spaceId, data);
  expect(res.status).toBe(201);
  return { upload: v.parse(UploadStateSchema, body), sha };
}

const partOf = (data: Uint8Array, n: number) => data.subarray((n - 1) * MIN_PART_BYTES, n * MIN_PART_BYTES);

async function download(sha: string): Promise<Uint8Array> {
  const res = await api(`${blobsOf(spaceId)}/${sha}`, { cookie: alice.cookie });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe('[B19] an accepted part is never replaced', () => {
  it('[B19] wrong bytes sent again for an accepted part, with its right digest, do not replace it', async () => {
    const data = randomBytes(MIN_PART_BYTES + 100);
    const { upload, sha } = await started(alice.cookie, data);
    expect((await putPart(alice.cookie, spaceId, upload.uploadId, 1, partOf(data, 1))).status).toBe(200);
    const forged = randomBytes(MIN_PART_BYTES);
    const again = await putPart(
      alice.cookie,
      spaceId,
      upload.uploadId,
      1,
      forged,
      await sha256(partOf(data, 1)),
    );
    expect(again.status).toBeLessThan(500);
    expect((await putPart(alice.cookie, spaceId, upload.uploadId, 2, partOf(data, 2))).status).toBe(200);
    const done = await complete(alice.cookie, upload.uploadId);
    expect(done.status).toBe(201);
    expect(v.parse(BlobInfoSchema, await done.json())).toMatchObject({ sha256: sha, created: true });
    expect(await download(sha)).toEqual(data);
  });

  it('[B19] other bytes with their own digest for an accepted part are refused (409) and change nothing', async () => {
    const data = randomBytes(MIN_PART_BYTES + 100);
    const { upload, sha } = await started(alice.cookie, data);
    expect((await putPart(alice.cookie, spaceId, upload.uploadId, 1, partOf(data, 1))).status).toBe(200);
    const other = await putPart(alice.cookie, spaceId, upload.uploadId, 1, randomBytes(MIN_PART_BYTES));
    expect(other.status).toBe(409);
    expect(await codeOf(other)).toBe('CONFLICT');
    expect((await putPart(alice.cookie, spaceId, upload.uploadId, 2, partOf(data, 2))).status).toBe(200);
    expect((await complete(alice.cookie, upload.uploadId)).status).toBe(201);
    expect(await download(sha)).toEqual(data);
  });
});

describe('[B20] a failed completion leaves an upload that can finish', () => {
  it('[B20] when R2 cannot assemble the parts, the upload reopens; the parts sent again then complete it', async () => {
    const data = randomBytes(MIN_PART_BYTES + 100);
    const { upload, sha } = await started(alice.cookie, data);
    for (const n of [1, 2])
      expect((await putPart(alice.cookie, spaceId, upload.uploadId, n, partOf(data, n))).status).toBe(200);
    // A part record R2 does not recognise (as after a lost or garbled write): assembly must fail.
    await runInDurableObject(space(spaceId), (_instance, ctx) => {
      ctx.storage.sql.exec(
        "UPDATE blob_upload_parts SET etag = 'not-an-etag' WHERE upload_id = ?",
        upload.uploadId,
      );
    });
    const first = await complete(alice.cookie, upload.uploadId);
    expect(first.status).toBe(503);
    const second = await complete(alice.cookie, upload.uploadId);
    expect(second.status).toBe(409);
    expect(v.parse(ErrorBodySchema, await second.json())).toMatchObject({
      code: 'UPLOAD_INCOMPLETE',
      details: { missing: [1, 2] },
    });
    // The upload is open again: its parts are taken, and completion succeeds.
    for (const n of [1, 2])
      expect((await putPart(alice.cookie, spaceId, upload.uploadId, n, partOf(data, n))).status).toBe(200);
    const done = await complete(alice.cookie, upload.uploadId);
    expect(done.status).toBe(201);
    expect(await download(sha)).toEqual(data);
  });
});

describe('[B21] only the editor who started an upload continues it', () => {
  it('[B21] another editor gets UPLOAD_BUSY naming the uploader, and UPLOAD_NOT_YOURS on its parts, completion and abort', async () => {
    const data = randomBytes(MIN_PART_BYTES + 100);
    const { upload } = await started(alice.cookie, data);
    const theirs = await multipart(bob.cookie, spaceId, data);
    expect(theirs.res.status).toBe(409);
    expect(theirs.body).toMatchObject({ code: 'UPLOAD_BUSY' });
    expect(JSON.stringify(theirs.body)).toContain(alice.username);
    for (const res of [
      await putPart(bob.cookie, spaceId, upload.uploadId, 1, randomBytes(MIN_PART_BYTES)),
      await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { cookie: bob.cookie }),
      await complete(bob.cookie, upload.uploadId),
      await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { method: 'DELETE', cookie: bob.cookie }),
    ]) {
      expect(res.status).toBe(403);
      expect(await codeOf(res)).toBe('UPLOAD_NOT_YOURS');
    }
    // Alice's upload is untouched and finishes.
    for (const n of [1, 2])
      expect((await putPart(alice.cookie, spaceId, upload.uploadId, n, partOf(data, n))).status).toBe(200);
    expect((await complete(alice.cookie, upload.uploadId)).status).toBe(201);
  });

  it('[B21] an upload its editor left idle does not block another editor: a fresh create or PUT of the same file goes through', async () => {
    const data = randomBytes(MIN_PART_BYTES + 100);
    const { upload, sha } = await started(alice.cookie, data);
    expect((await putPart(alice.cookie, spaceId, upload.uploadId, 1, partOf(data, 1))).status).toBe(200);
    // Alice stops; after the hand-over idle time Bob's own upload replaces hers.
    await runInDurableObject(space(spaceId), (_instance, ctx) => {
      ctx.storage.sql.exec(
        'UPDATE blob_uploads SET updated_at = updated_at - 3600000 WHERE upload_id = ?',
        upload.uploadId,
      );
    });
    const { upload: mine } = await started(bob.cookie, data);
    expect(mine.uploadId).not.toBe(upload.uploadId);
    expect(mine.parts).toEqual([]);
    for (const n of [1, 2])
      expect((await putPart(bob.cookie, spaceId, mine.uploadId, n, partOf(data, n))).status).toBe(200);
    expect((await complete(bob.cookie, mine.uploadId)).status).toBe(201);
    expect(await download(sha)).toEqual(data);
    // Alice's old upload is gone: resuming it says so.
    const old = await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { cookie: alice.cookie });
    expect(old.status).toBe(404);
    // A single PUT of a small file another editor left idle goes through the same way.
    const small = randomBytes(1000);
    const smallSha = await sha256(small);
    const reserved = await runInDurableObject(space(spaceId), (instance) =>
      instance.blobBeginPut({
        sha256: smallSha,
        size: small.length,
        key: `spaces/${spaceId}/blobs/${smallSha}`,
        userId: alice.userId,
      }),
    );
    expect(reserved).toMatchObject({ ok: true });
    await runInDurableObject(space(spaceId), (_instance, ctx) => {
      ctx.storage.sql.exec(
        'UPDATE blob_uploads SET updated_at = updated_at - 3600000 WHERE sha256 = ?',
        smallSha,
      );
    });
    expect((await put(bob.cookie, spaceId, small)).status).toBe(201);
  });
});
