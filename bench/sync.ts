/**
 * `npm run bench:sync`, all in one run on this machine (docs/spec/sync.md, issue 5):
 *  1. client A makes 10,000 small edits offline (1,000 notes x 10 fields), reconnects; the time
 *     from reconnect until client B (live, over the WebSocket) has all of them;
 *  2. the same 10,000 updates with Yjs 13.6 and y-websocket through @y/websocket-server 0.1.1
 *     (in-memory documents, no persistence), A offline then connecting, until B has them all;
 *  3. a fresh client pulls a space of 100,000 notes into IndexedDB, against a raw Dexie
 *     `bulkPut` of the same rows into a fresh database of the same schema.
 * Every client runs in Debian's Chromium (two pages, two browser contexts); Baton goes through
 * a local `wrangler dev` (workerd, SQLite on disk). Figures are medians of BENCH_RUNS runs.
 * Writes bench/results/sync.json and prints a table.
 *
 * Knobs (environment): BENCH_RUNS (3), BENCH_ITEMS (1000), BENCH_EDITS (10000), BENCH_PULL_ITEMS
 * (100000); BENCH_DEBUG=1 prints the pages' console and A's network trace; BENCH_PROFILE=1 times
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
import { startLocalServer } from '../tests/support/local-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 1_000);
const EDITS = Number(process.env.BENCH_EDITS ?? 10_000);
const PULL_ITEMS = Number(process.env.BENCH_PULL_ITEMS ?? 100_000);
const PASSWORD = 'correct horse battery staple';

type Harness = Record<string, (...args: never[]) => unknown>;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
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

    const batonRuns: { toPeerMs: number; localEditsMs: number }[] = [];
    for (let run = 0; run < RUNS; run++) batonRuns.push(await batonTenK(a, b, `${stamp}-${run}`));
    const yjsRuns: { toPeerMs: number; localEditsMs: number }[] = [];
    for (let run = 0; run < RUNS; run++)
      yjsRuns.push(await yjsTenK(a, b, `ws://127.0.0.1:${yjs.port}`, `bench-${stamp}-${run}`));
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

    const edits = median(batonRuns.map((r) => r.toPeerMs)) / 1000;
    const yjsEdits = median(yjsRuns.map((r) => r.toPeerMs)) / 1000;
    const pull = median(pullRuns.map((r) => r.pullMs)) / 1000;
    const bulkPut = median(pullRuns.map((r) => r.bulkPutMs)) / 1000;
    const results = {
      edits10k_to_peer_s: round(edits),
      yjs_edits10k_to_peer_s: round(yjsEdits),
      ratio_vs_yjs: round(edits / yjsEdits, 2),
      pull100k_s: round(pull),
      dexie_bulkput100k_s: round(bulkPut),
      ratio_pull_vs_bulkput: round(pull / bulkPut, 2),
      local_edits10k_s: round(median(batonRuns.map((r) => r.localEditsMs)) / 1000),
      local_edit_p50_ms: round(median(latencies), 2),
      baton_local_edits10k_s: round(serialMs / 1000),
      yjs_local_edits10k_s: round(median(yjsRuns.map((r) => r.localEditsMs)) / 1000),
      pull_items: PULL_ITEMS,
      runs: { baton: batonRuns, yjs: yjsRuns, pull: pullRuns },
      targets: {
        ratio_vs_yjs_max: 1.0,
        ratio_pull_vs_bulkput_max: 1.0,
        local_edits10k_s_max: 1,
        local_edit_p50_ms_max: 2,
      },
      setup:
        'Chromium (Debian), two browser contexts; Baton via wrangler dev (workerd, SQLite, X_LOCAL_OBSERVABILITY=false); Yjs 13.6 + y-websocket 3 + @y/websocket-server 0.1.1 in memory',
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
    });
  } finally {
    await browser.close();
    yjs.close();
    await server.stop();
  }
}

async function batonTenK(a: Page, b: Page, tag: string): Promise<{ toPeerMs: number; localEditsMs: number }> {
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
  const start = Date.now();
  const last = ITEMS + EDITS - 1;
  const lastItem = `item${String(last % ITEMS).padStart(6, '0')}`;
  const lastField = `f${Math.floor(last / ITEMS)}`;
  const [, doneAt] = await Promise.all([
    call(a, 'syncOnce', dbA, spaceId),
    call<number>(b, 'waitField', dbB, spaceId, lastItem, lastField),
  ]);
  const toPeerMs = doneAt - start;
  if (process.env.BENCH_DEBUG)
    console.error(
      'A trace [op, start ms, duration ms]:',
      JSON.stringify(await call(a, 'getTrace')),
      'B done at',
      toPeerMs,
    );
  const fields = await call<number>(b, 'countFields', dbB, spaceId);
  if (fields !== ITEMS + EDITS) throw new Error(`B has ${fields} fields, expected ${ITEMS + EDITS}`);
  return { toPeerMs, localEditsMs };
}

async function yjsTenK(
  a: Page,
  b: Page,
  url: string,
  room: string,
): Promise<{ toPeerMs: number; localEditsMs: number }> {
  await call(a, 'yjsOpen', url, room, true);
  await call(a, 'yjsSynced');
  void call<number>(a, 'yjsEdits', 0, ITEMS, ITEMS);
  await call(b, 'yjsOpen', url, room, true);
  await call(b, 'yjsSynced');
  await call(b, 'yjsWaitCount', ITEMS);
  await call(a, 'yjsDisconnect');
  const localEditsMs = await call<number>(a, 'yjsEdits', ITEMS, EDITS, ITEMS);
  const start = Date.now();
  const last = ITEMS + EDITS - 1;
  const [, doneAt] = await Promise.all([
    call(a, 'yjsConnect'),
    call<number>(
      b,
      'yjsWaitField',
      `item${String(last % ITEMS).padStart(6, '0')}`,
      `f${Math.floor(last / ITEMS)}`,
    ),
  ]);
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
