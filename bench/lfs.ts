/**
 * `npm run bench:lfs`: the real git-lfs client against a local `wrangler dev`. `git push` of 20
 * files totalling 200 MiB into a space and `git lfs pull` of them into a fresh clone, beside a raw
 * Node HTTP transfer of the same files over loopback in the same run; and a `git lfs lock` +
 * `git lfs unlock` cycle (two client processes, process start included) beside `git lfs version`
 * (the client starting and doing nothing), so the figure shows what the server adds; and one lock
 * and one unlock request sent directly (`lfs_lock_request_p50_ms`, ./lfs-lock-requests.ts).
 * Writes bench/results/lfs.json. MB/s are 10^6 bytes per second; medians of RUNS runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { appPassword, createSpace, signUp } from '../tests/support/api-client';
import { GitUser, gitRoot, lfsUrl } from '../tests/support/git-lfs';
import { startLocalServer } from '../tests/support/local-server';
import { lockRequestTimes } from './lfs-lock-requests';
import { mbPerS, median, timed } from './measure';

const FILES = 20;
const FILE_BYTES = 10 * 1024 * 1024;
const TOTAL = FILES * FILE_BYTES;
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const CYCLES = Number(process.env.BENCH_LOCK_CYCLES ?? 30);

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A plain Node HTTP server on loopback: swallows PUT bodies, answers GET with a file's bytes. */
async function rawServer(files: Uint8Array[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'PUT') {
      req.on('data', () => {});
      req.on('end', () => res.end('ok'));
    } else {
      const file = files[Number(req.url?.slice(1) ?? 0)] ?? new Uint8Array();
      res.writeHead(200, { 'content-length': String(file.length) });
      res.end(file);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** The same files over raw HTTP, 8 at a time (git-lfs's default `lfs.concurrenttransfers`). */
async function rawTransfer(
  url: string,
  files: Uint8Array<ArrayBuffer>[],
  method: 'PUT' | 'GET',
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const body = files[i] ?? new Uint8Array();
      const res = await fetch(`${url}${i}`, method === 'PUT' ? { method, body } : {});
      await res.arrayBuffer();
    }
  };
  return timed(() => Promise.all(Array.from({ length: 8 }, worker)));
}

async function main(): Promise<void> {
  const files = Array.from({ length: FILES }, () => new Uint8Array(randomBytes(FILE_BYTES)));
  const raw = await rawServer(files);
  const rawUp: number[] = [];
  const rawDown: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    rawUp.push(mbPerS(TOTAL, await rawTransfer(raw.url, files, 'PUT')));
    rawDown.push(mbPerS(TOTAL, await rawTransfer(raw.url, files, 'GET')));
  }
  raw.server.close();

  console.log('starting wrangler dev…');
  const server = await startLocalServer();
  const push: number[] = [];
  const pull: number[] = [];
  const lockCycle: number[] = [];
  const version: number[] = [];
  let clientVersion = '';
  let direct = { lock: NaN, unlock: NaN };
  try {
    const base = server.baseUrl;
    const owner = await signUp(base);
    const root = gitRoot();
    const alicePassword = (await appPassword(base, owner, { name: 'git' })).password;
    const alice = new GitUser(owner, alicePassword, base, root);
    const other = await signUp(base);
    const bob = new GitUser(other, (await appPassword(base, other, { name: 'git' })).password, base, root);
    for (const person of [alice, bob]) await person.ok(root, 'lfs', 'install', '--skip-repo');
    clientVersion = (await alice.ok(root, 'lfs', 'version')).stdout.trim();

    for (let run = 0; run < RUNS; run++) {
      // A fresh space and repository per run, so that every run really uploads.
      const { spaceId } = await createSpace(base, owner.cookie, `bench ${run}`);
      const remote = join(root, `remote-${run}.git`);
      const repo = join(root, `a-${run}`);
      await alice.ok(root, 'init', '-q', '--bare', remote);
      await alice.ok(root, 'clone', '-q', remote, repo);
      writeFileSync(join(repo, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      writeFileSync(join(repo, '.lfsconfig'), `[lfs]\n\turl = ${lfsUrl(base, spaceId)}\n`);
      mkdirSync(join(repo, 'assets'));
      files.forEach((bytes, i) => writeFileSync(join(repo, 'assets', `f${i}.bin`), bytes));
      await alice.ok(repo, 'add', '.');
      await alice.ok(repo, 'commit', '-q', '-m', 'assets');
      push.push(mbPerS(TOTAL, await timed(() => alice.ok(repo, 'push', '-q', 'origin', 'main'))));
      const clone = join(root, `b-${run}`);
      await alice.gitWith({ GIT_LFS_SKIP_SMUDGE: '1' }, root, 'clone', '-q', remote, clone);
      pull.push(mbPerS(TOTAL, await timed(() => alice.ok(clone, 'lfs', 'pull'))));
      console.log(
        `run ${run + 1}: push ${push.at(-1)?.toFixed(1)} MB/s, pull ${pull.at(-1)?.toFixed(1)} MB/s`,
      );
      if (run === 0) {
        writeFileSync(
          join(repo, '.gitattributes'),
          '*.bin filter=lfs diff=lfs merge=lfs -text\n*.psd lockable\n',
        );
        // `git lfs unlock <path>` refuses a file that is missing or has uncommitted changes.
        mkdirSync(join(repo, 'art'));
        writeFileSync(join(repo, 'art/cycle.psd'), 'psd');
        await alice.ok(repo, 'add', '.');
        await alice.ok(repo, 'commit', '-q', '-m', 'lockable');
        for (let i = 0; i < CYCLES + 3; i++) {
          const ms = await timed(async () => {
            await alice.ok(repo, 'lfs', 'lock', 'art/cycle.psd');
            await alice.ok(repo, 'lfs', 'unlock', 'art/cycle.psd');
          });
          if (i >= 3) lockCycle.push(ms); // the first cycles warm the lock object and the client
          version.push(await timed(() => bob.ok(root, 'lfs', 'version')));
        }
        direct = await lockRequestTimes(
          lfsUrl(base, spaceId),
          { username: owner.username, password: alicePassword },
          CYCLES,
        );
      }
    }
  } finally {
    await server.stop();
  }

  const rawHttp = (median(rawUp) + median(rawDown)) / 2;
  const result = {
    files: FILES,
    total_bytes: TOTAL,
    runs: RUNS,
    client: clientVersion,
    lfs_push_mb_s: round(median(push)),
    lfs_pull_mb_s: round(median(pull)),
    raw_http_mb_s: round(rawHttp),
    raw_http_upload_mb_s: round(median(rawUp)),
    raw_http_download_mb_s: round(median(rawDown)),
    lfs_lock_cycle_p50_ms: round(median(lockCycle)),
    git_lfs_version_ms: round(median(version)),
    lfs_lock_request_p50_ms: round(direct.lock),
    lfs_unlock_request_p50_ms: round(direct.unlock),
    lock_cycles: lockCycle.length,
    note: 'push and pull are the whole git commands (git-lfs transfers 8 objects at a time through local wrangler dev, every upload streamed once into local R2, which checks its SHA-256 as it stores it); raw_http_* moves the same 20 files 8 at a time between Node processes over loopback; a lock cycle is two git-lfs processes (lock, unlock), each one batch of HTTP requests with app-password checks; git_lfs_version_ms is one client process doing nothing; lfs_lock_request_p50_ms / lfs_unlock_request_p50_ms are one request each sent directly over one connection: app-password check (one RPC), the caller’s role (one RPC), the lock object deciding and fencing the grant with the space (two RPCs) and wrangler dev’s proxy',
  };
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/lfs.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
