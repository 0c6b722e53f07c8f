import { describe, expect, it } from 'vitest';
import { BlobApi } from './blob-api';
import { hashBlob } from './hash-blob';
import { MemoryUploadStore, uploadKey } from './upload-store';
import { uploadFile } from './uploader';

/** A tiny fake of the blob routes: enough to see which requests the uploader makes. */
function fakeServer(options: {
  quotaBytes: number;
  usedBytes?: number;
  putAnswer?: { status: number; body: unknown }[];
}) {
  const requests: string[] = [];
  const answers = [...(options.putAnswer ?? [])];
  const json = (status: number, body: unknown) =>
    Promise.resolve(new Response(JSON.stringify(body), { status }));
  const fetch: typeof globalThis.fetch = (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init.method ?? 'GET';
    requests.push(`${method} ${url.replace(/^.*\/blobs/, '')}`);
    if (url.endsWith('/has')) return json(200, { present: [] });
    if (url.endsWith('/usage')) {
      return json(200, {
        usedBytes: options.usedBytes ?? 0,
        reservedBytes: 0,
        quotaBytes: options.quotaBytes,
        blobCount: 0,
        maxFileBytes: 2 ** 31,
      });
    }
    if (method === 'PUT') {
      const answer = answers.shift() ?? { status: 201, body: {} };
      return json(answer.status, answer.body);
    }
    return json(404, { code: 'NOT_FOUND', message: 'no' });
  };
  return { fetch, requests };
}

const file = Object.assign(new Blob([new Uint8Array(1000).fill(1)]), { name: 'a.bin', lastModified: 5 });

describe('the uploader', () => {
  it('[B8] refuses a file over the space quota before any byte is sent', async () => {
    const server = fakeServer({ quotaBytes: 1500, usedBytes: 600 });
    const store = new MemoryUploadStore();
    const upload = uploadFile({
      api: new BlobApi('s1', { fetch: server.fetch }),
      store,
      file,
      hash: hashBlob,
    });
    await expect(upload).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(server.requests.some((request) => request.startsWith('PUT'))).toBe(false);
    expect(await store.get(uploadKey('s1', file))).toBeUndefined();
  });

  it('[B3] sends a small file in one request, retrying UPLOAD_BUSY', async () => {
    const sha256 = await hashBlob(file);
    const stored = { status: 'stored', sha256, size: 1000, created: true };
    const server = fakeServer({
      quotaBytes: 10_000,
      putAnswer: [
        { status: 409, body: { code: 'UPLOAD_BUSY', message: 'busy', retryAfterMs: 1 } },
        { status: 201, body: stored },
      ],
    });
    const store = new MemoryUploadStore();
    const info = await uploadFile({
      api: new BlobApi('s1', { fetch: server.fetch }),
      store,
      file,
      hash: hashBlob,
    });
    expect(info).toEqual(stored);
    expect(server.requests.filter((request) => request.startsWith('PUT'))).toEqual([
      `PUT /${sha256}`,
      `PUT /${sha256}`,
    ]);
    expect(await store.list('s1')).toEqual([]);
  });

  it('[B10] a hash mismatch is not retried and forgets the upload record', async () => {
    const server = fakeServer({
      quotaBytes: 10_000,
      putAnswer: [{ status: 422, body: { code: 'HASH_MISMATCH', message: 'changed' } }],
    });
    const store = new MemoryUploadStore();
    await expect(
      uploadFile({ api: new BlobApi('s1', { fetch: server.fetch }), store, file, hash: hashBlob }),
    ).rejects.toMatchObject({
      code: 'HASH_MISMATCH',
    });
    expect(server.requests.filter((request) => request.startsWith('PUT'))).toHaveLength(1);
    expect(await store.list('s1')).toEqual([]);
  });

  it('[B21] a permanent refusal stops at once and is not resumed again; a retryable one is kept for later', async () => {
    for (const [answer, kept] of [
      [{ status: 403, body: { code: 'UPLOAD_NOT_YOURS', message: 'bob started it' } }, false],
      [{ status: 409, body: { code: 'CONFLICT', message: 'part already stored' } }, false],
      [{ status: 503, body: { code: 'UNAVAILABLE', message: 'try again' } }, true],
    ] as const) {
      const server = fakeServer({ quotaBytes: 10_000, putAnswer: Array(10).fill(answer) });
      const store = new MemoryUploadStore();
      await expect(
        uploadFile({ api: new BlobApi('s1', { fetch: server.fetch }), store, file, hash: hashBlob }),
      ).rejects.toMatchObject({ code: answer.body.code });
      const puts = server.requests.filter((request) => request.startsWith('PUT')).length;
      expect(puts, answer.body.code).toBe(kept ? 5 : 1);
      expect((await store.list('s1')).length, answer.body.code).toBe(kept ? 1 : 0);
    }
  }, 30_000);
});
