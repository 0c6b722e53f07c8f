/**
 * `npm run bench:blobs`: a 100 MiB file uploaded (the real web uploader: parts in flight,
 * per-part and whole-file SHA-256 checked by the Worker) and downloaded through a local
 * `wrangler dev`, against a raw Node HTTP transfer of the same bytes over loopback.
 * Writes bench/results/blobs.json. MB/s are 10^6 bytes per second; each figure is the median of
 * RUNS runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PART_BYTES, PARTS_IN_FLIGHT } from '#shared/blobs/limits';
import { BlobApi } from '../web/src/lib/blobs/blob-api';
import { HASH_CHUNK_BYTES, hashBlob } from '../web/src/lib/blobs/hash-blob';
import { MemoryUploadStore } from '../web/src/lib/blobs/upload-store';
import { uploadFile } from '../web/src/lib/blobs/uploader';
import { createSpace, signUp } from '../tests/support/api-client';
import { startLocalServer } from '../tests/support/local-server';
import { drain, rawServer } from './http-floor';
import { mbPerS, median, timed } from './measure';
import { Sha256 as HandwrittenSha256 } from './peers/handwritten-sha256';

const SIZE = 100 * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * The floor of local R2 itself: a bare Worker that puts the request body into R2 and streams it
 * back, run by the same wrangler. It shows how much of the gap to raw HTTP is the emulator
 * (wrangler's proxy, miniflare's R2 on disk) and how much is Baton.
 */
async function r2Floor(bytes: Uint8Array<ArrayBuffer>): Promise<{ up: number[]; down: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-r2-floor-'));
  writeFileSync(
    join(dir, 'worker.js'),
    `export default { async fetch(request, env) {
      if (request.method === 'PUT') {
        const length = Number(request.headers.get('content-length'));
        await env.B.put('floor', request.body.pipeThrough(new FixedLengthStream(length)));
        return new Response('ok');
      }
      const object = await env.B.get('floor');
      if (!object) return new Response('empty', { status: 404 });
      return new Response(object.body, { headers: { 'content-length': String(object.size) } });
    } };\n`,
  );
  writeFileSync(
    join(dir, 'wrangler.toml'),
    'name = "r2-floor"\nmain = "worker.js"\ncompatibility_date = "2026-11-01"\n[[r2_buckets]]\nbinding = "B"\nbucket_name = "r2-floor"\n',
  );
  const server = await startLocalServer({ configPath: join(dir, 'wrangler.toml'), readyPath: '/' });
  const url = `${server.baseUrl}/`;
  try {
    await (await fetch(url, { method: 'PUT', body: new Uint8Array(1) })).text(); // warm-up
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      up.push(
        mbPerS(
          bytes.length,
          await timed(async () => (await fetch(url, { method: 'PUT', body: bytes })).text()),
        ),
      );
      down.push(
        mbPerS(
          bytes.length,
          await timed(async () => {
            if ((await drain(await fetch(url))) !== bytes.length) throw new Error('floor download short');
          }),
        ),
      );
    }
    return { up, down };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const bytes = new Uint8Array(randomBytes(SIZE));
  const file = new Blob([bytes]);

  // Client-side hashing (the same code the browser's Web Worker runs) beside the hand-written
  // JavaScript SHA-256 it replaced and node:crypto's native one (the floor), same bytes.
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const hashRuns = { client: [] as number[], handwritten: [] as number[], native: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    hashRuns.client.push(
      await timed(async () => {
        if ((await hashBlob(file)) !== sha256) throw new Error('hash-wasm disagrees with node:crypto');
      }),
    );
    hashRuns.handwritten.push(await timed(() => handwrittenHash(file, sha256)));
    hashRuns.native.push(await timed(() => nativeHash(file, sha256)));
  }
  const hashMs = median(hashRuns.client);

  const raw = await rawServer(bytes);
  const rawUp: number[] = [];
  const rawDown: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    rawUp.push(
      mbPerS(
        SIZE,
        await timed(async () => {
          const res = await fetch(raw.url, { method: 'POST', body: bytes });
          if (Number(await res.text()) !== SIZE) throw new Error('raw upload short');
        }),
      ),
    );
    rawDown.push(
      mbPerS(
        SIZE,
        await timed(async () => {
          if ((await drain(await fetch(raw.url))) !== SIZE) throw new Error('raw download short');
        }),
      ),
    );
  }
  raw.server.close();

  console.log('measuring the local R2 floor…');
  const floor = await r2Floor(bytes);

  console.log('starting wrangler dev…');
  const server = await startLocalServer();
  const up: number[] = [];
  const down: number[] = [];
  const partsPhase: number[] = [];
  const verifyPhase: number[] = [];
  try {
    const user = await signUp(server.baseUrl);
    const origin = new URL(server.baseUrl).origin;
    const authed: typeof fetch = (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', user.cookie);
      headers.set('origin', origin);
      const path = input instanceof Request ? input.url : input.toString();
      return fetch(new URL(path, server.baseUrl), { ...init, headers });
    };
    {
      // Warm-up (not timed): the first requests to a fresh wrangler dev pay for compilation.
      const { spaceId } = await createSpace(server.baseUrl, user.cookie, 'warm-up');
      const warm = new Blob([bytes.subarray(0, 20 * 1024 * 1024)]);
      await uploadFile({
        api: new BlobApi(spaceId, { fetch: authed }),
        store: new MemoryUploadStore(),
        file: warm,
        hash: hashBlob,
      });
    }
    for (let i = 0; i < RUNS; i++) {
      // A fresh space per run, so every run really uploads.
      const { spaceId } = await createSpace(server.baseUrl, user.cookie, `bench ${i}`);
      const api = new BlobApi(spaceId, { fetch: authed });
      const start = performance.now();
      let verifyingAt = 0;
      const info = await uploadFile({
        api,
        store: new MemoryUploadStore(),
        file,
        hash: () => Promise.resolve(sha256),
        onProgress: (progress) => {
          if (progress.phase === 'verifying') verifyingAt = performance.now();
        },
      });
      const end = performance.now();
      if (!info.created || info.size !== SIZE) throw new Error('upload did not store');
      up.push(mbPerS(SIZE, end - start));
      partsPhase.push(mbPerS(SIZE, verifyingAt - start));
      verifyPhase.push((end - verifyingAt) / 1000);
      down.push(
        mbPerS(
          SIZE,
          await timed(async () => {
            if ((await drain(await api.download(sha256))) !== SIZE) throw new Error('download short');
          }),
        ),
      );
      console.log(
        `run ${i + 1}: upload ${up.at(-1)?.toFixed(1)} MB/s, download ${down.at(-1)?.toFixed(1)} MB/s`,
      );
    }
  } finally {
    await server.stop();
  }

  const rawUpload = median(rawUp);
  const rawDownload = median(rawDown);
  const result = {
    file_bytes: SIZE,
    runs: RUNS,
    part_bytes: DEFAULT_PART_BYTES,
    parts_in_flight: PARTS_IN_FLIGHT,
    upload_mb_s: round(median(up)),
    download_mb_s: round(median(down)),
    raw_upload_mb_s: round(rawUpload),
    raw_download_mb_s: round(rawDownload),
    raw_http_mb_s: round((rawUpload + rawDownload) / 2),
    ratio_upload_vs_raw: round(median(up) / rawUpload, 3),
    ratio_download_vs_raw: round(median(down) / rawDownload, 3),
    r2_floor_upload_mb_s: round(median(floor.up)),
    r2_floor_download_mb_s: round(median(floor.down)),
    ratio_upload_vs_r2_floor: round(median(up) / median(floor.up), 3),
    ratio_download_vs_r2_floor: round(median(down) / median(floor.down), 3),
    client_hash_mb_s: round(mbPerS(SIZE, hashMs)),
    client_hash_handwritten_mb_s: round(mbPerS(SIZE, median(hashRuns.handwritten))),
    native_hash_mb_s: round(mbPerS(SIZE, median(hashRuns.native))),
    ratio_client_hash_vs_handwritten: round(median(hashRuns.handwritten) / hashMs, 2),
    upload_parts_mb_s: round(median(partsPhase)),
    upload_complete_and_verify_s: round(median(verifyPhase), 2),
    note: "ratios compare each direction with the raw loopback transfer in the same direction; upload includes the Worker hashing every part and reading the assembled file back to verify its SHA-256; r2_floor_* is a bare Worker doing one R2 put/get of the same bytes through the same wrangler (the emulator ceiling); client_hash_* run in Node on the code the browser's hashing Web Worker runs (hash-wasm), beside the hand-written JavaScript SHA-256 it replaced and node:crypto (native, the floor)",
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/blobs.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.table({
    upload: {
      'MB/s': result.upload_mb_s,
      'raw MB/s': result.raw_upload_mb_s,
      ratio: result.ratio_upload_vs_raw,
    },
    download: {
      'MB/s': result.download_mb_s,
      'raw MB/s': result.raw_download_mb_s,
      ratio: result.ratio_download_vs_raw,
    },
    'local R2 floor upload': {
      'MB/s': result.r2_floor_upload_mb_s,
      'raw MB/s': result.raw_upload_mb_s,
      ratio: round(median(floor.up) / rawUpload, 3),
    },
    'local R2 floor download': {
      'MB/s': result.r2_floor_download_mb_s,
      'raw MB/s': result.raw_download_mb_s,
      ratio: round(median(floor.down) / rawDownload, 3),
    },
    'client hash (hash-wasm)': {
      'MB/s': result.client_hash_mb_s,
      'raw MB/s': result.native_hash_mb_s,
      ratio: round(result.client_hash_mb_s / result.native_hash_mb_s, 3),
    },
    'client hash (hand-written, before)': {
      'MB/s': result.client_hash_handwritten_mb_s,
      'raw MB/s': result.native_hash_mb_s,
      ratio: round(result.client_hash_handwritten_mb_s / result.native_hash_mb_s, 3),
    },
  });
}

/** Reads the file in the same 4 MiB slices as hashBlob, so only the hash function differs. */
async function sliced(file: Blob, each: (chunk: Uint8Array) => void): Promise<void> {
  for (let offset = 0; offset < file.size; offset += HASH_CHUNK_BYTES) {
    each(new Uint8Array(await file.slice(offset, offset + HASH_CHUNK_BYTES).arrayBuffer()));
  }
}

async function handwrittenHash(file: Blob, expected: string): Promise<void> {
  const hasher = new HandwrittenSha256();
  await sliced(file, (chunk) => hasher.update(chunk));
  if (hasher.hexDigest() !== expected) throw new Error('hand-written SHA-256 disagrees with node:crypto');
}

async function nativeHash(file: Blob, expected: string): Promise<void> {
  const hasher = createHash('sha256');
  await sliced(file, (chunk) => hasher.update(chunk));
  if (hasher.digest('hex') !== expected) throw new Error('node:crypto disagrees with itself');
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

await main();
