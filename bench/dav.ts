/**
 * `npm run bench:dav`: WebDAV through a local `wrangler dev`, against peers in the same run.
 * - `dav_put_mb_s` / `dav_get_mb_s`: one 100 MiB file PUT and GET over /dav/ (fresh bytes per
 *   run, so every PUT stores new content), beside `raw_http_mb_s` (plain loopback Node HTTP) and
 *   `blob_api_get_mb_s` (the same blob read through the app's blob API).
 * - `propfind_10k_p50_ms`: PROPFIND Depth 1 of a folder holding 10,000 files.
 * - `propfind_small_folder_100k_space_ms` / `get_small_file_100k_space_ms`: PROPFIND Depth 1 of a
 *   10-file folder and GET of one 4 KiB file in it (and `put_small_file_…`, a PUT over one), in a
 *   space of 100,000 items; beside the same in an empty space (`…_empty_space_ms`), see
 *   ./dav-big-space.ts.
 * - `rclone_small_files_per_s`: rclone copies 1,000 files of 4 KiB up; beside
 *   `rclone_serve_small_files_per_s`, the same copy into `rclone serve webdav` on a local directory.
 * Writes bench/results/dav.json. MB/s are 10^6 bytes per second; medians of RUNS runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStamp } from '#shared/sync/hlc';
import { api, appPassword, createSpace, signUp } from '../tests/support/api-client';
import { dav } from '../tests/support/dav';
import { freePort, startLocalServer } from '../tests/support/local-server';
import { smallFolderInBigSpace } from './dav-big-space';
import { drain, rawServer } from './http-floor';
import { mbPerS, median, timed } from './measure';

const SIZE = 100 * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function rclone(args: string[]): void {
  const run = spawnSync('rclone', [...args, '--config', '/dev/null', '--transfers', '4'], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`rclone ${args[0]} failed: ${run.stderr}`);
}

function remote(url: string, user: string, password: string): string {
  const obscured = spawnSync('rclone', ['obscure', password], { encoding: 'utf8' }).stdout.trim();
  return `:webdav,url='${url}',vendor=other,user='${user}',pass='${obscured}':`;
}

async function main(): Promise<void> {
  const server = await startLocalServer();
  const work = mkdtempSync(join(tmpdir(), 'bench-dav-'));
  try {
    const user = await signUp(server.baseUrl);
    const { spaceId } = await createSpace(server.baseUrl, user.cookie, 'Bench');
    const auth = { username: user.username, password: (await appPassword(server.baseUrl, user)).password };

    // 100 MiB up and down.
    const put: number[] = [];
    const get: number[] = [];
    const blobGet: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const bytes = new Uint8Array(randomBytes(SIZE));
      const path = `/dav/Bench/big-${i}.bin`;
      put.push(
        await timed(async () => {
          const res = await dav(server.baseUrl, auth, 'PUT', path, { body: new Blob([bytes]) });
          if (res.status !== 201) throw new Error(`PUT ${res.status}`);
        }),
      );
      get.push(
        await timed(async () => {
          const got = await drain(await dav(server.baseUrl, auth, 'GET', path));
          if (got !== SIZE) throw new Error(`GET got ${got} bytes`);
        }),
      );
      const sha = createHash('sha256').update(bytes).digest('hex');
      blobGet.push(
        await timed(async () =>
          drain(await api(server.baseUrl, `/api/spaces/${spaceId}/blobs/${sha}`, { cookie: user.cookie })),
        ),
      );
    }
    const floorBytes = new Uint8Array(randomBytes(SIZE));
    const raw = await rawServer(floorBytes);
    const rawUp: number[] = [];
    const rawDown: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      rawUp.push(
        await timed(async () => (await fetch(raw.url, { method: 'POST', body: floorBytes })).text()),
      );
      rawDown.push(await timed(async () => drain(await fetch(raw.url))));
    }
    raw.server.close();

    // A folder of 10,000 files in a space of its own (made through the sync API in batches: the
    // PROPFIND is measured), so that the small-file copies below run against a small space.
    const many = await createSpace(server.baseUrl, user.cookie, 'Many');
    const now = Date.now();
    for (let batch = 0; batch < 10; batch++) {
      const mutations = Array.from({ length: 1000 }, (_, j) => {
        const n = batch * 1000 + j;
        return {
          id: `bench-mut-${n}`,
          itemId: `bench-item-${n}`,
          kind: 'file',
          stamp: formatStamp({ wall: now, counter: n, node: 'benchdev' }),
          set: Object.fromEntries(
            Object.entries({
              name: `file-${n}.txt`,
              title: `file-${n}.txt`,
              size: 4096,
              type: 'text/plain',
              folder: 'many',
              sha256: 'a'.repeat(64),
            }).map(([k, value]) => [k, { v: value, b: null }]),
          ),
        };
      });
      const res = await api(server.baseUrl, `/api/spaces/${many.spaceId}/sync/push`, {
        method: 'POST',
        cookie: user.cookie,
        json: { clientId: 'benchdev', mutations },
      });
      if (res.status !== 200) throw new Error(`push ${res.status}: ${await res.text()}`);
    }
    const propfind: number[] = [];
    for (let i = 0; i < Math.max(5, RUNS); i++) {
      propfind.push(
        await timed(async () => {
          const res = await dav(server.baseUrl, auth, 'PROPFIND', '/dav/Many/many/', {
            headers: { depth: '1' },
          });
          const text = await res.text();
          if (res.status !== 207 || (text.match(/<D:response>/g)?.length ?? 0) !== 10_001)
            throw new Error('PROPFIND did not list 10,000 files');
        }),
      );
    }

    // 1,000 small files with rclone: Baton against rclone's own WebDAV server.
    const small = join(work, 'small');
    mkdirSync(small);
    for (let i = 0; i < 1000; i++) writeFileSync(join(small, `f${i}.bin`), randomBytes(4096));
    const baton: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      baton.push(
        await timed(() =>
          Promise.resolve(
            rclone([
              'copy',
              small,
              `${remote(`${server.baseUrl}/dav/Bench/`, auth.username, auth.password)}small-${i}`,
            ]),
          ),
        ),
      );
      const served = mkdtempSync(join(work, 'served-'));
      const port = await freePort();
      const child = spawn(
        'rclone',
        [
          'serve',
          'webdav',
          served,
          '--addr',
          `127.0.0.1:${port}`,
          '--user',
          'u',
          '--pass',
          'p',
          '--config',
          '/dev/null',
        ],
        { stdio: 'ignore' },
      );
      for (let tries = 0; tries < 100; tries++) {
        const ok = await fetch(`http://127.0.0.1:${port}/`, { method: 'OPTIONS' }).then(
          () => true,
          () => false,
        );
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      peer.push(
        await timed(() =>
          Promise.resolve(rclone(['copy', small, `${remote(`http://127.0.0.1:${port}/`, 'u', 'p')}small`])),
        ),
      );
      child.kill();
    }

    const bigSpace = await smallFolderInBigSpace(server.baseUrl, user, auth);

    const result = {
      date: new Date().toISOString(),
      runs: RUNS,
      file_mib: SIZE / 1024 / 1024,
      dav_put_mb_s: round(mbPerS(SIZE, median(put))),
      dav_get_mb_s: round(mbPerS(SIZE, median(get))),
      blob_api_get_mb_s: round(mbPerS(SIZE, median(blobGet))),
      raw_http_mb_s: round((mbPerS(SIZE, median(rawUp)) + mbPerS(SIZE, median(rawDown))) / 2),
      raw_http_up_mb_s: round(mbPerS(SIZE, median(rawUp))),
      raw_http_down_mb_s: round(mbPerS(SIZE, median(rawDown))),
      propfind_10k_p50_ms: round(median(propfind), 0),
      propfind_small_folder_empty_space_ms: round(bigSpace.empty.propfind),
      get_small_file_empty_space_ms: round(bigSpace.empty.get),
      put_small_file_empty_space_ms: round(bigSpace.empty.put),
      propfind_small_folder_100k_space_ms: round(bigSpace.full.propfind),
      get_small_file_100k_space_ms: round(bigSpace.full.get),
      put_small_file_100k_space_ms: round(bigSpace.full.put),
      fill_100k_items_s: round(bigSpace.fillMs / 1000),
      rclone_small_files_per_s: round(1000 / (median(baton) / 1000)),
      rclone_serve_small_files_per_s: round(1000 / (median(peer) / 1000)),
      limits: {
        dav_put:
          'local workerd: the body streams once into local R2 (miniflare on disk) at a key of its own while the Worker hashes it through a tee (WebDAV sends no hash up front); bench:blobs measures a bare Worker’s R2 put through the same wrangler as the ceiling',
        dav_get: 'one stream from local R2 through wrangler dev’s proxy; the same path as the blob API',
        propfind_10k:
          'the SpaceObject reads the folder’s 10,000 entries from the item index (one JSON parse each), the Worker builds 10,001 XML responses',
        small_folder_100k_space:
          'the path is resolved one name per level through the index; the folder’s entries, their locks and properties are read by key: the same work in an empty space and in one of 100,000 items',
        rclone_small_files:
          'per file: app-password check (one RPC), memberships and role (two RPCs), path (one RPC), quota, blob adoption and the edit in the SpaceObject (three RPCs), one local R2 write, wrangler dev’s proxy; rclone runs 4 transfers',
      },
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/dav.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await server.stop();
  }
}

await main();
