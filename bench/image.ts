/**
 * `npm run bench:image` (docs/self-hosting.md), in one run on this machine:
 *  - image_mb: the size of the image `npm run image` builds (Podman's figure, uncompressed);
 *  - cold_start_s: `podman run` of that image on a fresh volume until /api/health answers 200
 *    (median of BENCH_RUNS starts; the target is ≤ 10 s);
 *  - lock_cycle_p50_ms: one client, acquire + release of one lock over HTTP, sequentially;
 *  - push10k_s: 10,000 new notes pushed in as few batches as the limits allow (as the app does);
 * the last two against the container and, beside them (`…_npm_start`), against what `npm start`
 * runs (wrangler dev on the same build, with throwaway state), round by round in turn, medians.
 * Writes bench/results/image.json and prints a table.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { formatStamp } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import { MAX_PUSH_BYTES, MAX_PUSH_MUTATIONS } from '#shared/sync/protocol';
import { BatonContainer, buildImage, podman, requirePodman } from '../tests/container/container';
import { api, createSpace, signUp, type TestUser } from '../tests/support/api-client';
import { freePort, startLocalServer } from '../tests/support/local-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 500);
const NOTES = 10_000;
const IMAGE = 'localhost/baton:bench';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

async function ok(res: Response, what: string): Promise<unknown> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** p50 of CYCLES acquire+release round trips on one lock, after a warm-up. */
async function lockCycleP50(baseUrl: string, user: TestUser, spaceId: string): Promise<number> {
  const path = `/api/spaces/${spaceId}/locks/bench-lock`;
  const samples: number[] = [];
  for (let i = 0; i < CYCLES + 50; i++) {
    const started = performance.now();
    const grant = (await ok(
      await api(baseUrl, `${path}/acquire`, {
        method: 'POST',
        cookie: user.cookie,
        json: { requestId: `r${i}x${randomUUID().slice(0, 8)}` },
      }),
      'acquire',
    )) as { token: number };
    await ok(
      await api(baseUrl, `${path}/release`, {
        method: 'POST',
        cookie: user.cookie,
        json: { token: grant.token },
      }),
      'release',
    );
    if (i >= 50) samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Seconds to push NOTES new notes into a fresh space, batched under the push limits. */
async function push10k(baseUrl: string, user: TestUser): Promise<number> {
  const { spaceId } = await createSpace(baseUrl, user.cookie, `bench ${randomUUID().slice(0, 6)}`);
  const client = `bench${randomUUID().slice(0, 8)}`;
  const notes: Mutation[] = Array.from({ length: NOTES }, (_, i) => ({
    id: `m${i}x${randomUUID().slice(0, 12)}`,
    itemId: `note-${randomUUID().slice(0, 18)}`,
    kind: 'note',
    stamp: formatStamp({ wall: Date.now(), counter: i % 1000, node: client }),
    set: { title: { v: `Note ${i}`, b: null }, body: { v: `Body of note ${i}, a line of text.`, b: null } },
  }));
  const batches: Mutation[][] = [[]];
  let bytes = 100;
  for (const note of notes) {
    const size = JSON.stringify(note).length + 1;
    const current = batches.at(-1)!;
    if (current.length >= MAX_PUSH_MUTATIONS || bytes + size > MAX_PUSH_BYTES * 0.9) {
      batches.push([note]);
      bytes = 100 + size;
    } else {
      current.push(note);
      bytes += size;
    }
  }
  const started = performance.now();
  for (const mutations of batches) {
    await ok(
      await api(baseUrl, `/api/spaces/${spaceId}/sync/push`, {
        method: 'POST',
        cookie: user.cookie,
        json: { clientId: client, mutations },
      }),
      'push',
    );
  }
  return (performance.now() - started) / 1000;
}

async function measure(baseUrl: string): Promise<{ cycle: number; push: number }> {
  const user = await signUp(baseUrl);
  const { spaceId } = await createSpace(baseUrl, user.cookie, 'bench');
  return { cycle: await lockCycleP50(baseUrl, user, spaceId), push: await push10k(baseUrl, user) };
}

requirePodman();
console.log('bench:image: building the image…');
await buildImage(IMAGE);
const imageBytes = Number(podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE]));

const coldStarts: number[] = [];
const container: { cycle: number[]; push: number[] } = { cycle: [], push: [] };
const npmStart: { cycle: number[]; push: number[] } = { cycle: [], push: [] };
for (let run = 0; run < RUNS; run++) {
  const volume = `baton-bench-${randomUUID().slice(0, 8)}`;
  podman(['volume', 'create', volume]);
  const port = await freePort();
  const started = performance.now();
  const baton = await BatonContainer.start(IMAGE, volume, port);
  coldStarts.push((performance.now() - started) / 1000);
  try {
    const figures = await measure(baton.baseUrl);
    container.cycle.push(figures.cycle);
    container.push.push(figures.push);
  } finally {
    baton.remove();
    podman(['volume', 'rm', '--force', volume]);
  }
  const local = await startLocalServer();
  try {
    const figures = await measure(local.baseUrl);
    npmStart.cycle.push(figures.cycle);
    npmStart.push.push(figures.push);
  } finally {
    await local.stop();
  }
  console.log(`  round ${run + 1}/${RUNS}: cold start ${coldStarts.at(-1)!.toFixed(2)} s`);
}

const result = {
  image_mb: round(imageBytes / 1e6, 0),
  cold_start_s: round(median(coldStarts), 2),
  lock_cycle_p50_ms: round(median(container.cycle)),
  lock_cycle_p50_ms_npm_start: round(median(npmStart.cycle)),
  push10k_s: round(median(container.push)),
  push10k_s_npm_start: round(median(npmStart.push)),
  runs: { cold_start_s: coldStarts.map((s) => round(s, 2)), container, npm_start: npmStart },
  machine: {
    cpus: cpus().length,
    loadavg: loadavg().map((l) => round(l, 2)),
    measured_at: new Date().toISOString(),
  },
  notes:
    'HTTP lock cycle = POST acquire + POST release on one lock, one client, p50 of each round, median over rounds. ' +
    'npm start = wrangler dev on the same source with throwaway state (X_LOCAL_OBSERVABILITY=false). ' +
    "The container is reached through its front (one extra loopback hop to workerd), npm start through wrangler's proxy Worker.",
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/image.json', `${JSON.stringify(result, null, 2)}\n`);
console.table({
  container: { lock_cycle_p50_ms: result.lock_cycle_p50_ms, push10k_s: result.push10k_s },
  'npm start': {
    lock_cycle_p50_ms: result.lock_cycle_p50_ms_npm_start,
    push10k_s: result.push10k_s_npm_start,
  },
});
console.log(`image ${result.image_mb} MB, cold start ${result.cold_start_s} s → bench/results/image.json`);
