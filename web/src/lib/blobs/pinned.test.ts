import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { db } from '../db/db';
import { BlobApi } from './blob-api';
import { BLOB_CACHE_NAME, OfflineBlobs } from './pinned';

/** Cache Storage is not in Node: a fake with the same shape, keyed by URL. */
class FakeCacheStorage {
  readonly caches = new Map<string, Map<string, Response>>();
  open(name: string) {
    const entries = this.caches.get(name) ?? new Map<string, Response>();
    this.caches.set(name, entries);
    return Promise.resolve({
      match: (url: string) => Promise.resolve(entries.get(url)?.clone()),
      put: (url: string, response: Response) => Promise.resolve(void entries.set(url, response)),
      delete: (url: string) => Promise.resolve(entries.delete(url)),
    });
  }
}

const files = new Map([
  ['a'.repeat(64), new Uint8Array([1, 2, 3])],
  ['b'.repeat(64), new Uint8Array(10).fill(7)],
]);

let online = true;
let downloads = 0;
const fakeFetch: typeof fetch = (input) => {
  if (!online) return Promise.reject(new TypeError('offline'));
  downloads++;
  const sha = (input instanceof Request ? input.url : String(input)).split('/').pop() ?? '';
  const bytes = files.get(sha);
  return Promise.resolve(
    bytes ? new Response(bytes) : new Response('{"code":"NOT_FOUND","message":"no"}', { status: 404 }),
  );
};

describe('offline copies', () => {
  let storage: FakeCacheStorage;
  let offline: OfflineBlobs;
  const api = new BlobApi('space-1', { fetch: fakeFetch });

  beforeEach(async () => {
    await db.pinnedBlobs.clear();
    storage = new FakeCacheStorage();
    offline = new OfflineBlobs(db.pinnedBlobs, storage as unknown as CacheStorage, () => 1000);
    online = true;
    downloads = 0;
  });

  it('[B18] an opened file opens again without the network', async () => {
    const blob = await offline.open(api, 'a'.repeat(64), { name: 'a.txt', type: 'text/plain' });
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(blob.type).toBe('text/plain');
    online = false;
    const again = await offline.open(api, 'a'.repeat(64), { name: 'a.txt', type: 'text/plain' });
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(downloads).toBe(1);
    expect(storage.caches.get(BLOB_CACHE_NAME)?.size).toBe(1);
  });

  it('[B18] pinned files survive eviction, opened ones do not; usage is summed; unpin removes', async () => {
    await offline.pin(api, 'a'.repeat(64), { name: 'a', type: '' });
    await offline.open(api, 'b'.repeat(64), { name: 'b', type: '' });
    expect(await offline.usage('space-1')).toMatchObject({ bytes: 13, pinnedBytes: 3 });
    expect(await offline.evictOpened(api, 0)).toBe(1);
    expect(await offline.isKept(api, 'b'.repeat(64))).toBe(false);
    expect(await offline.isKept(api, 'a'.repeat(64))).toBe(true);
    await offline.unpin(api, 'a'.repeat(64));
    expect(await offline.isKept(api, 'a'.repeat(64))).toBe(false);
    expect(await offline.usage('space-1')).toMatchObject({ files: [], bytes: 0 });
  });

  it('[B18] opened copies beyond the budget are evicted oldest first; pinned ones stay', async () => {
    let clock = 0;
    const small = new OfflineBlobs(db.pinnedBlobs, storage as unknown as CacheStorage, () => ++clock, 12);
    await small.pin(api, 'a'.repeat(64), { name: 'a', type: '' }); // 3 bytes, pinned
    await small.open(api, 'b'.repeat(64), { name: 'b', type: '' }); // 10 bytes: 13 > 12, but it is the one just opened
    expect(await small.isKept(api, 'b'.repeat(64))).toBe(true);
    files.set('c'.repeat(64), new Uint8Array(5));
    await small.open(api, 'c'.repeat(64), { name: 'c', type: '' }); // evicts b, the older opened copy
    expect(await small.isKept(api, 'b'.repeat(64))).toBe(false);
    expect(await small.isKept(api, 'c'.repeat(64))).toBe(true);
    expect(await small.isKept(api, 'a'.repeat(64))).toBe(true);
  });

  it('[B18] a file never opened needs the network', async () => {
    online = false;
    await expect(offline.open(api, 'a'.repeat(64), { name: 'a', type: '' })).rejects.toMatchObject({
      code: 'NETWORK',
    });
  });
});
