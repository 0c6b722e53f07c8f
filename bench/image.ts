/**
 * `npm run bench:image` (docs/self-hosting.md), in one run on this machine:
 *  - image_mb: the size of the image `npm run image` builds (Podman's figure, uncompressed);
 *  - cold_start_s: `podman run` of that image on a fresh volume until /api/health answers 200
 *    (median of BENCH_RUNS starts; the target is ≤ 10 s);
 *  - lock_cycle_p50_ms: one client, acquire + release of one lock over HTTP, sequentially;
 *  - push10k_s: 10,000 new notes pushed in as few batches as the limits allow (as the app does);
 * the last two against the container and, beside them (`…_npm_start`), against what `npm start`
 * runs (wrangler dev on the same source, throwaway state), both up at once and measured in turn
 * each round, so the load of this shared machine falls on both alike; medians over rounds.
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
import { median } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 200);
const NOTES = 10_000;
const IMAGE = 'localhost/baton:bench';

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

/** A server under test: the user and space the lock cycles run in, and the samples so far. */
interface Target {
  label: string;
  baseUrl: string;
  user: TestUser;
  spaceId: string;
  cycles: number[];
  pushes: number[];
}

async function target(label: string, baseUrl: string): Promise<Target> {
  const user = await signUp(baseUrl);
  const { spaceId } = await createSpace(baseUrl, user.cookie, 'bench');
  return { label, baseUrl, user, spaceId, cycles: [], pushes: [] };
}

requirePodman();
console.log('bench:image: building the image…');
await buildImage(IMAGE);
const imageBytes = Number(podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE]));

// Cold starts: each on a fresh volume.
const coldStarts: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const volume = `baton-bench-${randomUUID().slice(0, 8)}`;
  podman(['volume', 'create', volume]);
  const started = performance.now();
  const baton = await BatonContainer.start(IMAGE, volume, await freePort());
  coldStarts.push((performance.now() - started) / 1000);
  baton.remove();
  podman(['volume', 'rm', '--force', volume]);
}
console.log(`  cold starts: ${coldStarts.map((s) => s.toFixed(2)).join(', ')} s`);

// Both servers up at once, measured in turn, round by round, so that the load of this shared
// machine falls on both alike.
const volume = `baton-bench-${randomUUID().slice(0, 8)}`;
podman(['volume', 'create', volume]);
const baton = await BatonContainer.start(IMAGE, volume, await freePort());
const local = await startLocalServer();
try {
  const targets = [await target('container', baton.baseUrl), await target('npm start', local.baseUrl)];
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) t.cycles.push(await lockCycleP50(t.baseUrl, t.user, t.spaceId));
    for (const t of order) t.pushes.push(await push10k(t.baseUrl, t.user));
    console.log(
      `  round ${round + 1}/${RUNS}: ${targets.map((t) => `${t.label} ${t.cycles.at(-1)!.toFixed(2)} ms, ${t.pushes.at(-1)!.toFixed(2)} s`).join('; ')}`,
    );
  }
  const [container, npmStart] = targets as [Target, Target];
  const result = {
    image_mb: round(imageBytes / 1e6, 0),
    cold_start_s: round(median(coldStarts), 2),
    lock_cycle_p50_ms: round(median(container.cycles)),
    lock_cycle_p50_ms_npm_start: round(median(npmStart.cycles)),
    push10k_s: round(median(container.pushes)),
    push10k_s_npm_start: round(median(npmStart.pushes)),
    runs: {
      cold_start_s: coldStarts.map((s) => round(s, 2)),
      container: {
        lock_cycle_p50_ms: container.cycles.map((c) => round(c)),
        push10k_s: container.pushes.map((p) => round(p)),
      },
      npm_start: {
        lock_cycle_p50_ms: npmStart.cycles.map((c) => round(c)),
        push10k_s: npmStart.pushes.map((p) => round(p)),
      },
    },
    machine: {
      cpus: cpus().length,
      loadavg: loadavg().map((l) => round(l, 2)),
      measured_at: new Date().toISOString(),
    },
    notes:
      `Lock cycle = HTTP POST acquire + POST release on one lock, one client, p50 of ${CYCLES} per round; push10k = 10,000 new notes in batches under the push limits, into a fresh space. ` +
      'Both servers run at once and are measured in turn each round (medians over rounds). npm start = wrangler dev on the same source with throwaway state (X_LOCAL_OBSERVABILITY=false), ' +
      "reached through wrangler's proxy Worker; the container through its Node front (one loopback hop to workerd), data on a Podman volume.",
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
} finally {
  baton.remove();
  podman(['volume', 'rm', '--force', volume]);
  await local.stop();
}
