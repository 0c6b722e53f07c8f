/**
 * `npm run bench:sync`, all in one run on this machine (docs/spec/sync.md, issue 5):
 *  1. client A makes 10,000 small edits offline (1,000 notes x 10 fields), reconnects; the time
 *     from reconnect until client B (live, over the WebSocket) has all of them;
 *  2. the same 10,000 updates with Yjs 13.6 and y-websocket through @y/websocket-server 0.1.1
 *     (in-memory documents, no persistence), A offline then connecting, until B has them all;
 *  3. a fresh client pulls a space of 100,000 notes into IndexedDB, against a raw Dexie
 *     `bulkPut` of the same rows into a fresh database of the same schema;
 *  4. one edit at a time at A until B (both live) holds it, Baton and Yjs, 200 times each;
 *  5. local edits: 10,000 issued in a loop until all are durable (group commit), one awaited
 *     edit, and 10,000 awaited one after another;
 *  6. run 2 again with y-indexeddb 9 on both Yjs clients (a durable peer: B counts once its
 *     IndexedDB holds the last update), beside Baton, whose replica is always in IndexedDB;
 *  7. the built app (vite build, served by the same wrangler dev) opens the 100,000-item space
 *     after pulling it: the time from navigation until the first row of the list shows, and the
 *     page's JS heap (CDP Performance.getMetrics, JSHeapUsedSize) once it has settled and after a
 *     garbage collection; beside it, what reading every item of the space costs (what the space
 *     view did before S27);
 *  8. the one merge point (S37): a write to a 100 KB note whose base is ten versions old, over
 *     HTTP, beside the same write on the current version (bench/server-merge.ts).
 * For run 1 it also prints where the time goes, step by step (A reads the outbox, the push round
 * trip, the SpaceObject's apply, push start to B's first pull, B's pulls, B's last write).
 * Every client runs in Debian's Chromium (two pages, two browser contexts); Baton goes through
 * a local `wrangler dev` (workerd, SQLite on disk). Figures are medians of BENCH_RUNS runs.
 * Writes bench/results/sync.json and prints a table.
 *
 * Knobs (environment): BENCH_RUNS (3), BENCH_ITEMS (1000), BENCH_EDITS (10000), BENCH_PULL_ITEMS
 * (100000), BENCH_LIVE_EDITS (200); BENCH_DEBUG=1 prints the pages' console and A's network trace; BENCH_PROFILE=1 times
 * each step of A's push loop instead (BENCH_NO_PEER=1 without B connected).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/browser';
import { ensureWebBuilt } from '../tests/support/build-web';
import { startLocalServer } from '../tests/support/local-server';
import { serverMerge } from './server-merge';
import { median } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 1_000);
const EDITS = Number(process.env.BENCH_EDITS ?? 10_000);
const PULL_ITEMS = Number(process.env.BENCH_PULL_ITEMS ?? 100_000);
const LIVE_EDITS = Number(process.env.BENCH_LIVE_EDITS ?? 200);
const PASSWORD = 'correct horse battery staple';

type Harness = Record<string, (...args: never[]) => unknown>;
/** One network call seen by a page: what, start and end on the pages' shared clock (ms). */
type Span = [op: string, start: number, end: number];
type Steps = Record<string, number>;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Calls `syncBench[name](...args)` in the page. */
function call<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([fn, params]) =>
      (globalThis as unknown as { syncBench: Harness }).syncBench[fn]!(...(params as never[])),
    [name, args] as const,
  ) as Promise<T>;
}

async function main(): Promise<void> {
  const bundle = await build({
    entryPoints: ['bench/sync-harness.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    minify: true,
  });
  const harnessJs = bundle.outputFiles[0]!.text;
  // The space view is measured in the built app, as it ships.
  ensureWebBuilt();
  const server = await startLocalServer();
  const yjs = await startYjsServer();
  // The harness page is served by Playwright (route.fulfill), which Chromium's Local Network
  // Access checks treat as a public page; its sockets to localhost would be refused.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  });
  const stamp = Date.now().toString(36);
  try {
    const pages: Page[] = [];
    for (const who of ['a', 'b']) {
      const context = await browser.newContext();
      await context.route('**/__bench/**', (route) => {
        const isJs = route.request().url().endsWith('.js');
        return route.fulfill({
          status: 200,
          contentType: isJs ? 'text/javascript' : 'text/html',
          body: isJs
            ? harnessJs
            : '<!doctype html><meta charset="utf-8"><title>sync bench</title><script type="module" src="/__bench/harness.js"></script>',
        });
      });
      const page = await context.newPage();
      page.on(
        'console',
        (message) =>
          (message.type() === 'error' || process.env.BENCH_DEBUG) &&
          console.error(`[${who}]`, message.text()),
      );
      await page.goto(`${server.baseUrl}/__bench/index.html`);
      await page.waitForFunction(() => 'syncBench' in globalThis);
      await call(page, 'signUp', `bench-${who}-${stamp}`, PASSWORD);
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];

    const batonRuns: { toPeerMs: number; localEditsMs: number; steps?: Steps }[] = [];
    for (let run = 0; run < RUNS; run++) batonRuns.push(await batonTenK(a, b, `${stamp}-${run}`));
    const yjsRuns: { toPeerMs: number; localEditsMs: number }[] = [];
    for (let run = 0; run < RUNS; run++)
      yjsRuns.push(await yjsTenK(a, b, `ws://127.0.0.1:${yjs.port}`, `bench-${stamp}-${run}`));
    const yjsDurableRuns: { toPeerMs: number; localEditsMs: number }[] = [];
    for (let run = 0; run < RUNS; run++)
      yjsDurableRuns.push(
        await yjsTenK(a, b, `ws://127.0.0.1:${yjs.port}`, `bench-durable-${stamp}-${run}`, true),
      );
    const live = await batonLive(a, b, stamp);
    const yjsLiveTimes = await yjsLive(a, b, `ws://127.0.0.1:${yjs.port}`, `bench-live-${stamp}`);
    // One edit at a time, each awaited until durable: what a single keystroke costs, and the
    // same 10k edits awaited one after another (the key measured before group commit).
    const latencySpace = await call<string>(a, 'createSpace', 'Bench latency');
    const latencies = await call<number[]>(a, 'editLatencies', `lat-${stamp}`, latencySpace, 200);
    const serialMs = await call<number>(a, 'edits', `serial-${stamp}`, latencySpace, 0, EDITS, ITEMS);
    const pullRuns: { pullMs: number; bulkPutMs: number }[] = [];
    const pullSpace = await call<string>(a, 'createSpace', 'Bench 100k');
    await call(a, 'seed', pullSpace, PULL_ITEMS);
    for (let run = 0; run < Math.max(1, Math.min(RUNS, 2)); run++)
      pullRuns.push(await pullHundredK(a, pullSpace, run));
    const open = await openHundredK(a, server.baseUrl, pullSpace);
    const merge = await serverMerge(server.baseUrl);

    const edits = median(batonRuns.map((r) => r.toPeerMs)) / 1000;
    const yjsEdits = median(yjsRuns.map((r) => r.toPeerMs)) / 1000;
    const pull = median(pullRuns.map((r) => r.pullMs)) / 1000;
    const bulkPut = median(pullRuns.map((r) => r.bulkPutMs)) / 1000;
    const results = {
      edits10k_to_peer_s: round(edits),
      yjs_edits10k_to_peer_s: round(yjsEdits),
      ratio_vs_yjs: round(edits / yjsEdits, 2),
      yjs_durable_edits10k_to_peer_s: round(median(yjsDurableRuns.map((r) => r.toPeerMs)) / 1000),
      ratio_vs_yjs_durable: round(edits / (median(yjsDurableRuns.map((r) => r.toPeerMs)) / 1000), 2),
      yjs_durable_local_edits10k_s: round(median(yjsDurableRuns.map((r) => r.localEditsMs)) / 1000),
      pull100k_s: round(pull),
      dexie_bulkput100k_s: round(bulkPut),
      ratio_pull_vs_bulkput: round(pull / bulkPut, 2),
      live_edit_p50_ms: round(median(live), 2),
      yjs_live_edit_p50_ms: round(median(yjsLiveTimes), 2),
      ratio_live_edit_vs_yjs: round(median(live) / median(yjsLiveTimes), 2),
      live_edit_steps_ms: Object.fromEntries(
        Object.entries(liveSteps).map(([k, value]) => [k, round(value, 2)]),
      ),
      local_edits10k_s: round(median(batonRuns.map((r) => r.localEditsMs)) / 1000),
      local_edit_p50_ms: round(median(latencies), 2),
      baton_local_edits10k_s: round(serialMs / 1000),
      yjs_local_edits10k_s: round(median(yjsRuns.map((r) => r.localEditsMs)) / 1000),
      server_apply_10k_ms: round(stepMedian(batonRuns, 'server_apply_ms'), 1),
      server_merge_100kb_p50_ms: round(merge.mergedMs, 1),
      server_write_100kb_current_p50_ms: round(merge.currentMs, 1),
      steps10k_ms: Object.fromEntries(
        Object.keys(batonRuns[0]?.steps ?? {}).map((key) => [key, round(stepMedian(batonRuns, key), 1)]),
      ),
      open_100k_ms: round(median(open.openMs), 0),
      heap_100k_mb: round(open.heapAfterGcMb, 1),
      heap_100k_before_gc_mb: round(open.heapMb, 1),
      read_all_100k_ms: round(open.readAllMs, 0),
      pull_items: PULL_ITEMS,
      runs: {
        baton: batonRuns,
        yjs: yjsRuns,
        yjsDurable: yjsDurableRuns,
        pull: pullRuns,
        openMs: open.openMs,
      },
      targets: {
        ratio_vs_yjs_max: 1.0,
        ratio_pull_vs_bulkput_max: 1.0,
        local_edits10k_s_max: 1,
        local_edit_p50_ms_max: 2,
        open_100k_ms_max: 1000,
        heap_100k_mb_max: 150,
      },
      setup:
        'Chromium (Debian), two browser contexts; Baton via wrangler dev (workerd, SQLite, X_LOCAL_OBSERVABILITY=false); Yjs 13.6 + y-websocket 3 + @y/websocket-server 0.1.1 in memory, and with y-indexeddb 9.0.12 on both clients (durable); open_100k in the built app (vite build) at 1100x850, first row of the list after navigation, heap after a CDP HeapProfiler.collectGarbage',
      measuredAt: new Date().toISOString(),
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/sync.json', `${JSON.stringify(results, null, 2)}\n`);
    console.table({
      '10k offline edits → peer (s)': {
        baton: results.edits10k_to_peer_s,
        yjs: results.yjs_edits10k_to_peer_s,
        ratio: results.ratio_vs_yjs,
        target: '≤ 1.0',
      },
      'one live edit A → B, p50 (ms)': {
        baton: results.live_edit_p50_ms,
        yjs: results.yjs_live_edit_p50_ms,
        ratio: results.ratio_live_edit_vs_yjs,
        target: '≤ 2',
      },
      '10k offline edits → durable peer (s)': {
        baton: results.edits10k_to_peer_s,
        yjs: results.yjs_durable_edits10k_to_peer_s,
        ratio: results.ratio_vs_yjs_durable,
        target: 'reported',
      },
      '10k local edits in a loop, until durable (s)': {
        baton: results.local_edits10k_s,
        yjs: results.yjs_local_edits10k_s,
        ratio: round(results.local_edits10k_s / results.yjs_local_edits10k_s, 2),
        target: 'baton ≤ 1',
      },
      '10k local edits, each awaited (s)': {
        baton: results.baton_local_edits10k_s,
        yjs: '',
        ratio: '',
        target: '',
      },
      'one local edit until durable, p50 (ms)': {
        baton: results.local_edit_p50_ms,
        yjs: '',
        ratio: '',
        target: '≤ 2',
      },
      [`pull ${PULL_ITEMS} items into IndexedDB (s)`]: {
        baton: results.pull100k_s,
        yjs: '',
        ratio: results.ratio_pull_vs_bulkput,
        target: '≤ 1.0',
      },
      [`raw Dexie bulkPut ${PULL_ITEMS} rows (s)`]: {
        baton: results.dexie_bulkput100k_s,
        yjs: '',
        ratio: '',
        target: '',
      },
      [`open a ${PULL_ITEMS}-item space, first rows (ms)`]: {
        baton: results.open_100k_ms,
        yjs: '',
        ratio: '',
        target: '≤ 1000',
      },
      [`JS heap after, collected (MB)`]: {
        baton: results.heap_100k_mb,
        yjs: '',
        ratio: '',
        target: '≤ 150',
      },
      'a write to a 100 KB note on a version 10 behind, merged, p50 (ms)': {
        baton: results.server_merge_100kb_p50_ms,
        yjs: '',
        ratio: round(results.server_merge_100kb_p50_ms / results.server_write_100kb_current_p50_ms, 2),
        target: `vs ${results.server_write_100kb_current_p50_ms} on the current version`,
      },
      [`read every item of it, as before S27 (ms)`]: {
        baton: results.read_all_100k_ms,
        yjs: '',
        ratio: '',
        target: '',
      },
    });
    console.log('Where a live edit spends its time (ms, medians):');
    console.table(results.live_edit_steps_ms);
    console.log('Where the 10k offline backlog spends its time (ms, medians):');
    console.table(results.steps10k_ms);
  } finally {
    await browser.close();
    yjs.close();
    await server.stop();
  }
}

async function batonTenK(
  a: Page,
  b: Page,
  tag: string,
): Promise<{ toPeerMs: number; localEditsMs: number; steps?: Steps }> {
  const spaceId = await call<string>(a, 'createSpace', `Bench ${tag}`);
  await call(b, 'join', await call<string>(a, 'createLink', spaceId));
  const [dbA, dbB] = [`a-${tag}`, `b-${tag}`];
  await call(a, 'edits', dbA, spaceId, 0, ITEMS, ITEMS);
  await call(a, 'syncOnce', dbA, spaceId);
  const head = await call<number>(a, 'after', dbA, spaceId);
  if (!process.env.BENCH_NO_PEER) {
    await call(b, 'startLive', dbB, spaceId);
    await call(b, 'waitAfter', dbB, spaceId, head);
  }
  // Offline: the edits only reach IndexedDB and the outbox (A has no engine running). Issued in
  // a loop, as a paste or an import makes them; each edit's promise resolves once it is durable.
  const localEditsMs = await call<number>(a, 'editsBurst', dbA, spaceId, ITEMS, EDITS, ITEMS);
  if (process.env.BENCH_PROFILE) {
    console.error(
      '[take, state, push, settle] ms per batch:',
      JSON.stringify(await call(a, 'profilePush', dbA, spaceId)),
    );
    return { toPeerMs: NaN, localEditsMs };
  }
  const takeMs = await call<number>(a, 'timeTakeBatch', dbA, spaceId);
  await call(a, 'liveSpans', true);
  await call(b, 'liveSpans', true);
  const last = ITEMS + EDITS - 1;
  const lastItem = `item${String(last % ITEMS).padStart(6, '0')}`;
  const lastField = `f${Math.floor(last / ITEMS)}`;
  await call(b, 'arm', dbB, spaceId, lastItem, lastField, `v${last}`);
  const start = await call<number>(a, 'clockNow');
  await call(a, 'syncOnce', dbA, spaceId);
  const doneAt = await call<number>(b, 'armedAt');
  const toPeerMs = doneAt - start;
  const fields = await call<number>(b, 'countFields', dbB, spaceId);
  if (fields !== ITEMS + EDITS) throw new Error(`B has ${fields} fields, expected ${ITEMS + EDITS}`);
  const aSpans = await call<Span[]>(a, 'liveSpans', true);
  const bSpans = (await call<Span[]>(b, 'liveSpans', true)).filter(([op]) => op === 'pull');
  const pushes = aSpans.filter(([op]) => op === 'push');
  const pushMs = pushes.reduce((sum, [, s0, e0]) => sum + (e0 - s0), 0);
  const repushMs = await call<number>(a, 'repushLast');
  const firstPull = Math.min(...bSpans.map(([, s0]) => s0));
  const lastPullEnd = Math.max(...bSpans.map(([, , end]) => end));
  const steps = {
    a_read_outbox_ms: takeMs,
    a_push_round_trip_ms: pushMs,
    server_apply_ms: pushes.length === 1 ? pushMs - repushMs : NaN,
    // The poke travels while the push's reply does, so B's pull can start before A hears back.
    push_start_to_b_pull_ms: firstPull - Math.min(...pushes.map(([, s0]) => s0)),
    b_pull_requests_ms: bSpans.reduce((sum, [, s0, e0]) => sum + (e0 - s0), 0),
    b_pages: bSpans.length,
    b_write_after_last_page_ms: doneAt - lastPullEnd,
  };
  if (process.env.BENCH_DEBUG) console.error('steps', JSON.stringify(steps), 'A', JSON.stringify(aSpans));
  return { toPeerMs, localEditsMs, steps };
}

/** One edit at A until B's replica holds it, `count` times, both clients live; answers each ms. */
async function liveEdits(
  a: Page,
  b: Page,
  count: number,
  arm: (value: string) => Promise<unknown>,
  edit: (value: string) => Promise<number>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = `live${i}`;
    await arm(value);
    const start = await edit(value);
    times.push((await call<number>(b, 'armedAt')) - start);
  }
  return times;
}

async function batonLive(a: Page, b: Page, tag: string): Promise<number[]> {
  const spaceId = await call<string>(a, 'createSpace', `Bench live ${tag}`);
  await call(b, 'join', await call<string>(a, 'createLink', spaceId));
  const [dbA, dbB] = [`live-a-${tag}`, `live-b-${tag}`];
  await call(a, 'startLive', dbA, spaceId);
  await call(b, 'startLive', dbB, spaceId);
  // Let both sockets connect and the first (empty) sync end before measuring.
  await call(a, 'liveEdit', dbA, spaceId, 'liveitem', 'body', 'warm-up');
  await call(b, 'arm', dbB, spaceId, 'liveitem', 'body', 'warm-up');
  await call(b, 'armedAt');
  const starts: number[] = [];
  await call(a, 'liveSpans', true);
  const times = await liveEdits(
    a,
    b,
    LIVE_EDITS,
    (value) => call(b, 'arm', dbB, spaceId, 'liveitem', 'body', value),
    async (value) => {
      const start = await call<number>(a, 'liveEdit', dbA, spaceId, 'liveitem', 'body', value);
      starts.push(start);
      return start;
    },
  );
  // Where a live edit's time goes: from the edit to A's push leaving, and the push's round trip.
  const pushes = (await call<Span[]>(a, 'liveSpans', true)).filter(([op]) => op === 'push');
  const toPush: number[] = [];
  const pushRtt: number[] = [];
  for (const start of starts) {
    const push = pushes.find(([, s0]) => s0 >= start);
    if (!push) continue;
    toPush.push(push[1] - start);
    pushRtt.push(push[2] - push[1]);
  }
  liveSteps.edit_to_push_start_ms = median(toPush);
  liveSteps.push_round_trip_ms = median(pushRtt);
  return times;
}

const liveSteps: Steps = {};

async function yjsLive(a: Page, b: Page, url: string, room: string): Promise<number[]> {
  await call(a, 'yjsOpen', url, room, true);
  await call(b, 'yjsOpen', url, room, true);
  await call(a, 'yjsSynced');
  await call(b, 'yjsSynced');
  const times = await liveEdits(
    a,
    b,
    LIVE_EDITS,
    (value) => call(b, 'yjsArm', 'liveitem', 'body', value),
    (value) => call<number>(a, 'yjsLiveEdit', 'liveitem', 'body', value),
  );
  await call(a, 'yjsClose');
  await call(b, 'yjsClose');
  return times;
}

function stepMedian(runs: { steps?: Steps }[], key: string): number {
  return median(
    runs.flatMap((run) => (run.steps && Number.isFinite(run.steps[key]) ? [run.steps[key]!] : [])),
  );
}

/**
 * The 10k backlog with Yjs. `durable`: both documents are kept in IndexedDB by y-indexeddb, A's
 * edits are stored before it reconnects (as Baton's are), and B counts once its store has them.
 */
async function yjsTenK(
  a: Page,
  b: Page,
  url: string,
  room: string,
  durable = false,
): Promise<{ toPeerMs: number; localEditsMs: number }> {
  await call(a, 'yjsOpen', url, room, true, durable ? `${room}-a` : undefined);
  await call(a, 'yjsSynced');
  void call<number>(a, 'yjsEdits', 0, ITEMS, ITEMS);
  await call(b, 'yjsOpen', url, room, true, durable ? `${room}-b` : undefined);
  await call(b, 'yjsSynced');
  await call(b, 'yjsWaitCount', ITEMS);
  await call(a, 'yjsDisconnect');
  const localEditsMs = await call<number>(a, 'yjsEdits', ITEMS, EDITS, ITEMS);
  if (durable) await call(a, 'yjsFlushed');
  const start = Date.now();
  const last = ITEMS + EDITS - 1;
  const [, seenAt] = await Promise.all([
    call(a, 'yjsConnect'),
    call<number>(
      b,
      'yjsWaitField',
      `item${String(last % ITEMS).padStart(6, '0')}`,
      `f${Math.floor(last / ITEMS)}`,
    ),
  ]);
  const doneAt = durable ? await call<number>(b, 'yjsFlushed') : seenAt;
  const count = await call<number>(b, 'yjsCount');
  if (count !== ITEMS + EDITS) throw new Error(`Yjs B has ${count} fields, expected ${ITEMS + EDITS}`);
  await call(a, 'yjsClose');
  await call(b, 'yjsClose');
  return { toPeerMs: doneAt - start, localEditsMs };
}

async function pullHundredK(
  a: Page,
  spaceId: string,
  run: number,
): Promise<{ pullMs: number; bulkPutMs: number }> {
  const [fresh, raw] = [`pull-${run}`, `raw-${run}`];
  const pullMs = await call<number>(a, 'syncOnce', fresh, spaceId, 2000);
  const count = await call<number>(a, 'countItems', fresh, spaceId);
  if (count !== PULL_ITEMS) throw new Error(`pulled ${count} items, expected ${PULL_ITEMS}`);
  const bulkPutMs = await call<number>(a, 'rawBulkPut', fresh, spaceId, raw);
  await call(a, 'deleteDb', fresh);
  await call(a, 'deleteDb', raw);
  return { pullMs, bulkPutMs };
}

/**
 * Opens the space in the built app once to pull it, then `max(RUNS, 3)` times more from this
 * device's storage: ms from navigation (the page's time origin) until Playwright has seen the
 * list's first row in the DOM (an upper bound: it includes Playwright's polling and one CDP round
 * trip), and the JS heap once it has settled.
 */
const FIRST_ROW = '[role="list"][aria-label="Items"] a';

async function openHundredK(
  harness: Page,
  baseUrl: string,
  spaceId: string,
): Promise<{ openMs: number[]; heapMb: number; heapAfterGcMb: number; readAllMs: number }> {
  const page = await harness.context().newPage();
  const url = `${baseUrl}/spaces/${spaceId}`;
  const allShown = () => page.getByText(`${PULL_ITEMS} items`, { exact: true }).waitFor({ timeout: 900_000 });
  await page.goto(url);
  await allShown();
  await page.getByText('Synced', { exact: true }).waitFor({ timeout: 900_000 });
  const openMs: number[] = [];
  for (let run = 0; run < Math.max(RUNS, 3); run++) {
    await page.goto(url);
    await page.locator(FIRST_ROW).first().waitFor({ timeout: 120_000 });
    openMs.push(await page.evaluate(() => performance.now()));
    await allShown();
  }
  await page.getByText('Synced', { exact: true }).waitFor({ timeout: 120_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
  };
  const heapMb = await heap();
  await cdp.send('HeapProfiler.collectGarbage');
  const heapAfterGcMb = await heap();
  await page.close();
  const readAllMs = await call<number>(harness, 'readAllMs', 'baton', spaceId);
  return { openMs, heapMb, heapAfterGcMb, readAllMs };
}

async function startYjsServer(): Promise<{ port: number; close(): void }> {
  const http = createServer((_req, res) => res.end('yjs'));
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (conn, req) => setupWSConnection(conn, req, { gc: true }));
  http.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () => {
      wss.close();
      http.close();
    },
  };
}

// Exit explicitly: esbuild's service process would otherwise keep Node alive after the run.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
