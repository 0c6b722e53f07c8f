import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { MIN_PART_BYTES } from '#shared/blobs/limits';
import { BlobInfoSchema, BlobUsageSchema, UploadStateSchema } from '#shared/blobs/protocol';
import { BlobRefs } from '../src/space/blob-refs';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { blobsOf, codeOf, multipart, put, putPart, randomBytes } from './support/blobs';
import { sha256 } from '../../tests/support/sha256';

let owner: { cookie: string };
let spaceId: string;
const space = (id: string) => env.SPACES.get(env.SPACES.idFromName(id));

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie, 'Files'));
});

describe('single-request upload', () => {
  it('[B3] stores a small file, which then reads back byte for byte', async () => {
    const data = randomBytes(1000);
    const res = await put(owner.cookie, spaceId, data);
    expect(res.status).toBe(201);
    const info = v.parse(BlobInfoSchema, await res.json());
    expect(info).toEqual({ status: 'stored', sha256: await sha256(data), size: 1000, created: true });
    const got = await api(`${blobsOf(spaceId)}/${info.sha256}`, { cookie: owner.cookie });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(data);
    const head = await api(`${blobsOf(spaceId)}/${info.sha256}`, { method: 'HEAD', cookie: owner.cookie });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('1000');
  });

  it('[B5] a blob the space has is not stored again', async () => {
    const data = randomBytes(500);
    expect((await put(owner.cookie, spaceId, data)).status).toBe(201);
    const before = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    const again = await put(owner.cookie, spaceId, data);
    expect(again.status).toBe(200);
    expect(v.parse(BlobInfoSchema, await again.json()).created).toBe(false);
    const after = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    expect(after).toEqual(before);
    const has = await api(`${blobsOf(spaceId)}/has`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { hashes: [await sha256(data), 'b'.repeat(64)] },
    });
    expect(await has.json()).toEqual({ present: [await sha256(data)] });
  });

  it('[B10] bytes that do not match the hash are rejected and nothing is kept', async () => {
    const data = randomBytes(2000);
    const claimed = await sha256(randomBytes(10));
    const res = await put(owner.cookie, spaceId, data, claimed);
    expect(res.status).toBe(422);
    expect(await codeOf(res)).toBe('HASH_MISMATCH');
    expect(
      (await api(`${blobsOf(spaceId)}/${claimed}`, { method: 'HEAD', cookie: owner.cookie })).status,
    ).toBe(404);
    expect(await env.BLOBS.head(`spaces/${spaceId}/blobs/${claimed}`)).toBeNull();
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    expect(usage.reservedBytes).toBe(0);
    // The same hash can be uploaded properly afterwards.
    expect((await put(owner.cookie, spaceId, data)).status).toBe(201);
  });

  it('[B3] an empty file is a blob too', async () => {
    const res = await put(owner.cookie, spaceId, new Uint8Array(0));
    expect(res.status).toBe(201);
    const info = v.parse(BlobInfoSchema, await res.json());
    expect(info.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const got = await api(`${blobsOf(spaceId)}/${info.sha256}`, { cookie: owner.cookie });
    expect(got.status).toBe(200);
    expect((await got.arrayBuffer()).byteLength).toBe(0);
  });

  it('[B6] a second single upload of a hash that is being uploaded waits (UPLOAD_BUSY)', async () => {
    const data = randomBytes(MIN_PART_BYTES + 5);
    const { body } = await multipart(owner.cookie, spaceId, data);
    const upload = v.parse(UploadStateSchema, body);
    const res = await put(owner.cookie, spaceId, data.subarray(0, 10), upload.sha256);
    expect(res.status).toBe(409);
    expect(await codeOf(res)).toBe('UPLOAD_BUSY');
    expect(
      (
        await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, {
          method: 'DELETE',
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(204);
  });

  it('[B3] a body without Content-Length or bigger than the single-request limit is refused', async () => {
    const res = await api(`${blobsOf(spaceId)}/${'c'.repeat(64)}`, {
      method: 'PUT',
      cookie: owner.cookie,
      body: new Uint8Array(10),
      headers: { 'content-length': String(64 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
  });
});

describe('multipart upload', { timeout: 60_000 }, () => {
  it('[B4] parts in any order, resumable state, then one verified blob', async () => {
    const data = randomBytes(2 * MIN_PART_BYTES + 12345);
    const { res, body, sha } = await multipart(owner.cookie, spaceId, data);
    expect(res.status).toBe(201);
    const upload = v.parse(UploadStateSchema, body);
    expect(upload.partCount).toBe(3);
    const part = (n: number) => data.subarray((n - 1) * MIN_PART_BYTES, n * MIN_PART_BYTES);
    expect((await putPart(owner.cookie, spaceId, upload.uploadId, 3, part(3))).status).toBe(200);
    expect((await putPart(owner.cookie, spaceId, upload.uploadId, 1, part(1))).status).toBe(200);
    // Resuming: the same create answers the same upload with the parts already done.
    const resumed = v.parse(UploadStateSchema, (await multipart(owner.cookie, spaceId, data)).body);
    expect(resumed.uploadId).toBe(upload.uploadId);
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([1, 3]);
    // Not visible before completion.
    expect((await api(`${blobsOf(spaceId)}/${sha}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      404,
    );
    const early = await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      cookie: owner.cookie,
    });
    expect(early.status).toBe(409);
    expect(await codeOf(early)).toBe('UPLOAD_INCOMPLETE');
    expect((await putPart(owner.cookie, spaceId, upload.uploadId, 2, part(2))).status).toBe(200);
    const done = await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      cookie: owner.cookie,
    });
    expect(done.status).toBe(201);
    expect(v.parse(BlobInfoSchema, await done.json())).toMatchObject({
      sha256: sha,
      size: data.length,
      created: true,
    });
    const got = await api(`${blobsOf(spaceId)}/${sha}`, { cookie: owner.cookie });
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(data);
    // Dedupe: starting again answers "stored".
    expect((await multipart(owner.cookie, spaceId, data)).body).toMatchObject({
      status: 'stored',
      created: false,
    });
  });

  it('[B9] a part whose bytes do not match its digest, or has the wrong length, is not recorded', async () => {
    const data = randomBytes(MIN_PART_BYTES + 10);
    const { body } = await multipart(owner.cookie, spaceId, data);
    const upload = v.parse(UploadStateSchema, body);
    const bad = await putPart(
      owner.cookie,
      spaceId,
      upload.uploadId,
      2,
      data.subarray(MIN_PART_BYTES),
      'd'.repeat(64),
    );
    expect(bad.status).toBe(422);
    expect(await codeOf(bad)).toBe('HASH_MISMATCH');
    const short = await putPart(owner.cookie, spaceId, upload.uploadId, 1, data.subarray(0, 100));
    expect(short.status).toBe(400);
    const state = v.parse(
      UploadStateSchema,
      await (await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { cookie: owner.cookie })).json(),
    );
    expect(state.parts).toEqual([]);
    expect(
      (
        await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, {
          method: 'DELETE',
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(204);
  });

  it('[B10] an assembled file whose SHA-256 is not the announced one is rejected and nothing is kept', async () => {
    const data = randomBytes(MIN_PART_BYTES + 99);
    const claimed = await sha256(randomBytes(32));
    const { body } = await multipart(owner.cookie, spaceId, data, MIN_PART_BYTES, claimed);
    const upload = v.parse(UploadStateSchema, body);
    await putPart(owner.cookie, spaceId, upload.uploadId, 1, data.subarray(0, MIN_PART_BYTES));
    await putPart(owner.cookie, spaceId, upload.uploadId, 2, data.subarray(MIN_PART_BYTES));
    const res = await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      cookie: owner.cookie,
    });
    expect(res.status).toBe(422);
    expect(await codeOf(res)).toBe('HASH_MISMATCH');
    expect(await env.BLOBS.head(`spaces/${spaceId}/blobs/${claimed}`)).toBeNull();
    expect(
      (await api(`${blobsOf(spaceId)}/${claimed}`, { method: 'HEAD', cookie: owner.cookie })).status,
    ).toBe(404);
    expect(
      (await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { cookie: owner.cookie })).status,
    ).toBe(404);
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    expect(usage.reservedBytes).toBe(0);
  });

  it('[B6] a reservation whose Worker died before R2 answered does not block the hash for long', async () => {
    const data = randomBytes(MIN_PART_BYTES + 3);
    const hash = await sha256(data);
    await runInDurableObject(space(spaceId), (_instance, state) => {
      state.storage.sql.exec(
        `INSERT INTO blob_uploads (upload_id, sha256, r2_key, size, part_size, kind, phase, r2_upload_id, created_by, updated_at)
         VALUES ('00000000-0000-0000-0000-000000000000', ?, ?, ?, ?, 'multipart', 'reserving', NULL, 'u', 0)`,
        hash,
        `spaces/${spaceId}/blobs/${hash}`,
        data.length,
        MIN_PART_BYTES,
      );
    });
    const { res, body } = await multipart(owner.cookie, spaceId, data);
    expect(res.status).toBe(201);
    const upload = v.parse(UploadStateSchema, body);
    expect(upload.uploadId).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(
      (
        await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, {
          method: 'DELETE',
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(204);
  });

  it('[B6] an abandoned upload is aborted by the alarm after its idle limit and frees its reservation', async () => {
    const data = randomBytes(MIN_PART_BYTES + 1);
    const { body } = await multipart(owner.cookie, spaceId, data);
    const upload = v.parse(UploadStateSchema, body);
    await runInDurableObject(space(spaceId), (_instance, state) => {
      state.storage.sql.exec('UPDATE blob_uploads SET updated_at = 0 WHERE upload_id = ?', upload.uploadId);
    });
    await runDurableObjectAlarm(space(spaceId));
    expect(
      (await api(`${blobsOf(spaceId)}/uploads/${upload.uploadId}`, { cookie: owner.cookie })).status,
    ).toBe(404);
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    expect(usage.reservedBytes).toBe(0);
  });
});

describe('downloads', () => {
  const data = new Uint8Array(1000).map((_, i) => i % 251);
  let url: string;
  beforeAll(async () => {
    const res = await put(owner.cookie, spaceId, data);
    url = `${blobsOf(spaceId)}/${v.parse(BlobInfoSchema, await res.json()).sha256}`;
  });

  it('[B14] Range: first bytes, middle, suffix', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=400-499', 400, 499],
      ['bytes=-100', 900, 999],
      ['bytes=990-', 990, 999],
    ];
    for (const [range, start, end] of cases) {
      const res = await api(url, { cookie: owner.cookie, headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(data.subarray(start, end + 1));
    }
  });

  it('[B14] an unsatisfiable or malformed range is a 416', async () => {
    for (const range of ['bytes=1000-', 'bytes=5-2', 'bytes=x-y']) {
      const res = await api(url, { cookie: owner.cookie, headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */1000');
      expect(await codeOf(res)).toBe('RANGE_NOT_SATISFIABLE');
    }
  });

  it('[B15] ETag, immutable caching and 304 on If-None-Match', async () => {
    const res = await api(url, { cookie: owner.cookie });
    const etag = res.headers.get('etag');
    expect(etag).toBe(`"${url.split('/').pop()}"`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    await res.arrayBuffer();
    const again = await api(url, { cookie: owner.cookie, headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('[B16] user content is served with nosniff, a sandbox CSP and a safe Content-Disposition', async () => {
    const res = await api(`${url}?name=${encodeURIComponent('../evil".html')}&type=text/html&inline=1`, {
      cookie: owner.cookie,
    });
    await res.arrayBuffer();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/(^|; )sandbox(;|$)/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="evil_.html"; filename*=UTF-8''evil_.html`,
    );
    const image = await api(`${url}?name=cat.png&type=image/png&inline=1`, { cookie: owner.cookie });
    await image.arrayBuffer();
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; filename="cat.png"/);
  });
});

describe('authorization', () => {
  it('[B17] members read, editors upload, others learn nothing', async () => {
    const data = randomBytes(300);
    const hash = await sha256(data);
    const url = `${blobsOf(spaceId)}/${hash}`;
    const viewer = await addMember(owner.cookie, spaceId, 'viewer');
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const stranger = await signUp();
    expect((await api(url, { method: 'PUT', body: data })).status).toBe(401);
    expect((await put(stranger.cookie, spaceId, data)).status).toBe(404);
    expect((await put(viewer.cookie, spaceId, data)).status).toBe(403);
    const created = await multipart(viewer.cookie, spaceId, data, MIN_PART_BYTES);
    expect(created.res.status).toBe(403);
    expect((await put(editor.cookie, spaceId, data)).status).toBe(201);
    const read = await api(url, { cookie: viewer.cookie });
    expect(read.status).toBe(200);
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(data);
    expect((await api(url, { cookie: stranger.cookie })).status).toBe(404);
    expect((await api(url)).status).toBe(401);
    expect((await api(`${blobsOf(spaceId)}/usage`, { cookie: stranger.cookie })).status).toBe(404);
    // CSRF: an upload from another origin is refused.
    expect(
      (
        await api(url, {
          method: 'PUT',
          cookie: editor.cookie,
          body: data,
          headers: { origin: 'http://evil.test' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('quota and limits', () => {
  it('[B8] an upload that would exceed the space quota is refused before any byte is stored', async () => {
    const { spaceId: small } = await createSpace(owner.cookie, 'Small');
    await runInDurableObject(space(small), (instance) => instance.blobSettings({ quotaBytes: 1000 }));
    expect((await put(owner.cookie, small, randomBytes(600))).status).toBe(201);
    const data = randomBytes(600);
    const res = await put(owner.cookie, small, data);
    expect(res.status).toBe(507);
    expect(await codeOf(res)).toBe('QUOTA_EXCEEDED');
    expect(await env.BLOBS.head(`spaces/${small}/blobs/${await sha256(data)}`)).toBeNull();
    const big = await api(`${blobsOf(small)}/uploads`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { sha256: 'e'.repeat(64), size: 5000 },
    });
    expect(await codeOf(big)).toBe('QUOTA_EXCEEDED');
  });

  it('[B7] a file over the maximum size is refused with FILE_TOO_LARGE', async () => {
    const res = await api(`${blobsOf(spaceId)}/uploads`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { sha256: 'e'.repeat(64), size: 3 * 1024 ** 3 },
    });
    expect(res.status).toBe(413);
    expect(await codeOf(res)).toBe('FILE_TOO_LARGE');
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    const over = await api(`${blobsOf(spaceId)}/uploads`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { sha256: 'e'.repeat(64), size: usage.maxFileBytes + 1 },
    });
    expect(await codeOf(over)).toBe('FILE_TOO_LARGE');
    const exact = await api(`${blobsOf(spaceId)}/uploads`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { sha256: 'e'.repeat(64), size: usage.maxFileBytes },
    });
    expect(exact.status).toBe(201);
    const { uploadId } = v.parse(UploadStateSchema, await exact.json());
    expect(
      (await api(`${blobsOf(spaceId)}/uploads/${uploadId}`, { method: 'DELETE', cookie: owner.cookie }))
        .status,
    ).toBe(204);
  });
});

describe('orphan clean-up', () => {
  it('[B12] an unreferenced blob survives the alarm within its grace period and is removed after it', async () => {
    const { spaceId: id } = await createSpace(owner.cookie, 'Orphans');
    const kept = randomBytes(100);
    const orphan = randomBytes(100);
    const keptHash = await sha256(kept);
    const orphanHash = await sha256(orphan);
    await put(owner.cookie, id, kept);
    await put(owner.cookie, id, orphan);
    await space(id).blobSetItemRef('item-1', keptHash);
    expect(await runDurableObjectAlarm(space(id))).toBe(true);
    expect((await api(`${blobsOf(id)}/${orphanHash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      200,
    );
    await runInDurableObject(space(id), (instance) => instance.blobSettings({ graceMs: 0 }));
    await runDurableObjectAlarm(space(id));
    expect((await api(`${blobsOf(id)}/${orphanHash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      404,
    );
    expect(await env.BLOBS.head(`spaces/${id}/blobs/${orphanHash}`)).toBeNull();
    expect((await api(`${blobsOf(id)}/${keptHash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      200,
    );
    // When the last item is deleted, the blob outlives the trash period (it could be restored)…
    await space(id).blobSetItemRef('item-1', null);
    expect(await runDurableObjectAlarm(space(id))).toBe(true);
    expect((await api(`${blobsOf(id)}/${keptHash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      200,
    );
    // …and is removed once that longer grace (here set to zero) has passed.
    await runInDurableObject(space(id), (instance) => instance.blobSettings({ releasedGraceMs: 0 }));
    await runDurableObjectAlarm(space(id));
    expect((await api(`${blobsOf(id)}/${keptHash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(
      404,
    );
  });
});

describe('clean-up failures', () => {
  it('[B12] an R2 failure during clean-up hides the blob, books a retry, and the next alarm finishes', async () => {
    const { spaceId: id } = await createSpace(owner.cookie, 'Flaky');
    const data = randomBytes(50);
    const hash = await sha256(data);
    await put(owner.cookie, id, data);
    const booked = await runInDurableObject(space(id), async (instance, state) => {
      instance.blobSettings({ graceMs: 0 });
      const at: number[] = [];
      const failing = {
        createMultipartUpload: () => Promise.reject(new Error('R2 down')),
        abortMultipartUpload: () => Promise.reject(new Error('R2 down')),
        delete: () => Promise.reject(new Error('R2 down')),
      };
      const refs = new BlobRefs(
        state.storage.sql,
        failing,
        () => Date.now(),
        (time) => {
          at.push(time);
          return Promise.resolve();
        },
      );
      await refs.runCleanup();
      return at;
    });
    expect(booked).toHaveLength(1);
    expect((await api(`${blobsOf(id)}/${hash}`, { method: 'HEAD', cookie: owner.cookie })).status).toBe(404);
    expect(await env.BLOBS.head(`spaces/${id}/blobs/${hash}`)).not.toBeNull();
    await runDurableObjectAlarm(space(id));
    expect(await env.BLOBS.head(`spaces/${id}/blobs/${hash}`)).toBeNull();
  });
});

describe('space deletion', { timeout: 60_000 }, () => {
  it('[B2] deleting a space deletes its blobs and unfinished uploads in R2', async () => {
    const { spaceId: id } = await createSpace(owner.cookie, 'Doomed');
    const data = randomBytes(100);
    const hash = await sha256(data);
    await put(owner.cookie, id, data);
    const pending = randomBytes(MIN_PART_BYTES + 1);
    const { body } = await multipart(owner.cookie, id, pending);
    const upload = v.parse(UploadStateSchema, body);
    await putPart(owner.cookie, id, upload.uploadId, 1, pending.subarray(0, MIN_PART_BYTES));
    expect(await env.BLOBS.head(`spaces/${id}/blobs/${hash}`)).not.toBeNull();
    expect((await api(`/api/spaces/${id}`, { method: 'DELETE', cookie: owner.cookie })).status).toBe(204);
    const left = await env.BLOBS.list({ prefix: `spaces/${id}/` });
    expect(left.objects).toEqual([]);
  });
});
