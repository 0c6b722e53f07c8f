/**
 * For `bench:dav`: what one request in a small folder costs in an empty space and in a space of
 * 100,000 items (D11). The items are pushed through the sync API (half notes in the top folder,
 * half files in 100 folders); the small folder holds 10 files of 4 KiB PUT over WebDAV. Medians of
 * `samples` sequential requests: PROPFIND Depth 1 of the folder, GET of one file in it, and a PUT
 * of 4 KiB of new content over one of them.
 */
import { randomBytes } from 'node:crypto';
import { formatStamp } from '#shared/sync/hlc';
import { api, createSpace, type TestUser } from '../tests/support/api-client';
import { dav } from '../tests/support/dav';
import { drain } from './http-floor';
import { median, timed } from './measure';

const BIG = 100_000;
const BATCH = 1000;

async function fill(baseUrl: string, user: TestUser, spaceId: string, count: number): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < count; start += BATCH) {
    const mutations = Array.from({ length: Math.min(BATCH, count - start) }, (_, j) => {
      const n = start + j;
      const file = n % 2 === 1;
      const values: Record<string, unknown> = file
        ? {
            name: `file-${n}.txt`,
            size: 4096,
            type: 'text/plain',
            folder: `bulk/f${n % 100}`,
            sha256: 'a'.repeat(64),
          }
        : { title: `Note ${n}`, body: `Body of note ${n}` };
      return {
        id: `big-mut-${n}`,
        itemId: `big-item-${n}`,
        kind: file ? 'file' : 'note',
        stamp: formatStamp({ wall: now, counter: n % 60_000, node: 'benchbig' }),
        set: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, b: null }])),
      };
    });
    const res = await api(baseUrl, `/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      cookie: user.cookie,
      json: { clientId: 'benchbig', mutations },
    });
    if (res.status !== 200) throw new Error(`push ${res.status}: ${await res.text()}`);
  }
}

async function measure(
  baseUrl: string,
  auth: { username: string; password: string },
  space: string,
  samples: number,
) {
  for (let i = 0; i < 10; i++) {
    const res = await dav(baseUrl, auth, 'PUT', `/dav/${space}/small/f${i}.bin`, {
      body: new Blob([randomBytes(4096)]),
    });
    if (res.status !== 201) throw new Error(`PUT ${res.status}`);
  }
  const propfind: number[] = [];
  const get: number[] = [];
  const put: number[] = [];
  for (let i = 0; i < samples; i++) {
    propfind.push(
      await timed(async () => {
        const res = await dav(baseUrl, auth, 'PROPFIND', `/dav/${space}/small/`, { headers: { depth: '1' } });
        if (res.status !== 207 || ((await res.text()).match(/<D:response>/g)?.length ?? 0) !== 11)
          throw new Error('PROPFIND did not list 10 files');
      }),
    );
    get.push(
      await timed(async () => {
        if ((await drain(await dav(baseUrl, auth, 'GET', `/dav/${space}/small/f3.bin`))) !== 4096)
          throw new Error('GET did not answer 4 KiB');
      }),
    );
    const bytes = new Blob([randomBytes(4096)]);
    put.push(
      await timed(async () => {
        const res = await dav(baseUrl, auth, 'PUT', `/dav/${space}/small/f5.bin`, { body: bytes });
        if (res.status !== 204) throw new Error(`PUT ${res.status}`);
      }),
    );
  }
  return { propfind: median(propfind), get: median(get), put: median(put) };
}

/** PROPFIND and GET in a 10-item folder, in an empty space and in one of 100,000 items. */
export async function smallFolderInBigSpace(
  baseUrl: string,
  user: TestUser,
  auth: { username: string; password: string },
  samples = 21,
) {
  await createSpace(baseUrl, user.cookie, 'Empty');
  await dav(baseUrl, auth, 'MKCOL', '/dav/Empty/small/');
  const empty = await measure(baseUrl, auth, 'Empty', samples);
  const big = await createSpace(baseUrl, user.cookie, 'Big');
  const fillMs = await timed(() => fill(baseUrl, user, big.spaceId, BIG));
  await dav(baseUrl, auth, 'MKCOL', '/dav/Big/small/');
  const full = await measure(baseUrl, auth, 'Big', samples);
  return { empty, full, fillMs };
}
