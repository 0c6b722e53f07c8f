import 'fake-indexeddb/auto';
import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { MIN_PART_BYTES } from '#shared/blobs/limits';
import { BlobApi } from '../../web/src/lib/blobs/blob-api';
import { dexieUploadStore } from '../../web/src/lib/blobs/dexie-stores';
import { hashFile } from '../../web/src/lib/blobs/hasher';
import { listResumable, resumeUpload } from '../../web/src/lib/blobs/resume';
import { uploadFile, type UploadProgress } from '../../web/src/lib/blobs/uploader';
import { createSpace, signUp, type TestUser } from '../support/api-client';

const baseUrl = inject('baseUrl');

/** A fetch that carries the test user's cookie and a same-origin Origin, and counts part uploads. */
function clientFetch(user: TestUser, counter: { parts: number }): typeof fetch {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('cookie', user.cookie);
    headers.set('origin', new URL(baseUrl).origin);
    const url = input instanceof Request ? input.url : String(input);
    if (/\/parts\/\d+$/.test(url)) counter.parts++;
    return fetch(new URL(url, baseUrl), { ...init, headers });
  };
}

let user: TestUser;
let spaceId: string;

beforeAll(async () => {
  user = await signUp(baseUrl);
  ({ spaceId } = await createSpace(baseUrl, user.cookie, 'Uploads'));
});

describe('resumable uploads against the real server', () => {
  it('[B11] an interrupted multipart upload resumes from IndexedDB and the result is byte-identical', async () => {
    const bytes = new Uint8Array(randomBytes(4 * MIN_PART_BYTES + 777_777));
    const expected = createHash('sha256').update(bytes).digest('hex');
    const file = Object.assign(new Blob([bytes]), { name: 'big.bin', lastModified: 1_700_000_000_000 });
    const first = { parts: 0 };
    const api = new BlobApi(spaceId, { baseUrl, fetch: clientFetch(user, first) });

    // First attempt: the "network drops" once two parts are confirmed.
    const stop = new AbortController();
    const seen: UploadProgress[] = [];
    const interrupted = uploadFile({
      api,
      store: dexieUploadStore,
      file,
      hash: hashFile,
      partSize: MIN_PART_BYTES,
      partsInFlight: 2,
      signal: stop.signal,
      onProgress: (progress) => {
        seen.push(progress);
        if (progress.phase === 'uploading' && progress.loaded >= 2 * MIN_PART_BYTES)
          stop.abort(new Error('network lost'));
      },
    });
    await expect(interrupted).rejects.toThrow();
    expect(seen.some((p) => p.phase === 'hashing')).toBe(true);
    const saved = (await dexieUploadStore.list(spaceId))[0];
    expect(saved?.sha256).toBe(expected);
    expect(saved?.uploadId).toBeTruthy();
    const serverState = await api.uploadState(saved?.uploadId ?? '');
    const doneBefore = serverState.parts.length;
    expect(doneBefore).toBeGreaterThanOrEqual(2);
    expect(doneBefore).toBeLessThan(serverState.partCount);

    // Second attempt ("after a reload"): the file comes back from IndexedDB; no re-hashing,
    // only the missing parts are sent.
    const second = { parts: 0 };
    let hashed = 0;
    const resumedApi = new BlobApi(spaceId, { baseUrl, fetch: clientFetch(user, second) });
    const [pending, ...others] = await listResumable(dexieUploadStore, spaceId);
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ name: 'big.bin', size: bytes.length });
    if (!pending) throw new Error('nothing to resume');
    const { info } = await resumeUpload(pending, {
      api: resumedApi,
      store: dexieUploadStore,
      hash: (blob, onProgress, signal) => {
        hashed++;
        return hashFile(blob, onProgress, signal);
      },
      partSize: MIN_PART_BYTES,
    });
    expect(info).toEqual({ status: 'stored', sha256: expected, size: bytes.length, created: true });
    expect(hashed).toBe(0);
    // A part in flight at the interruption may still have landed on the server after we looked,
    // so at most the parts missing then are sent, never all of them.
    expect(second.parts).toBeGreaterThan(0);
    expect(second.parts).toBeLessThanOrEqual(serverState.partCount - doneBefore);
    expect(await dexieUploadStore.list(spaceId)).toEqual([]);

    const download = await resumedApi.download(expected);
    const got = new Uint8Array(await download.arrayBuffer());
    expect(got.length).toBe(bytes.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(expected);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(bytes))).toBe(0);
  });

  it('[B5] a file the space already has is not uploaded again', async () => {
    const bytes = new Uint8Array(randomBytes(200_000));
    const file = Object.assign(new Blob([bytes]), { name: 'small.bin', lastModified: 1 });
    const counter = { parts: 0 };
    const api = new BlobApi(spaceId, { baseUrl, fetch: clientFetch(user, counter) });
    const first = await uploadFile({ api, store: dexieUploadStore, file, hash: hashFile });
    expect(first.created).toBe(true);
    const again = await uploadFile({ api, store: dexieUploadStore, file, hash: hashFile });
    expect(again).toEqual({ ...first, created: false });
  });
});
