/**
 * `npm run bench:locks` (issue 4, docs/spec/locks.md), all in one run on this machine:
 *  1. one client, acquire+release cycles on one lock, over HTTP (routes → LockObject by RPC) and
 *     over the lock's own WebSocket (straight to the LockObject); every grant is recorded with the
 *     space's fence before it is answered (L11), so each cycle includes that RPC;
 *  2. 16 clients contending for one lock over WebSockets (acquire with wait, release at once):
 *     grants/s, wait p50/p99, and FIFO order checked on the server's own history (L7);
 *  3. Redis 7 (Debian's redis-server, started here on a free 127.0.0.1 port): the same cycle with
 *     `SET NX PX` and a compare-and-delete script, with `appendfsync always` and with no AOF.
 * The Worker runs in a `wrangler dev` started here from a pre-built bundle in a temporary folder
 * (throwaway `--persist-to`, `X_LOCAL_OBSERVABILITY=false`), so edits to the source tree during
 * the run cannot reload it. Cycle figures are medians over BENCH_RUNS rounds, each round running
 * every variant in turn. Writes bench/results/locks.json and prints a table.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  LockHistoryResponseSchema,
  LockSocketServerMessageSchema,
  type LockHistoryEntry,
  type LockSocketServerMessage,
} from '#shared/locks/schemas';
import { SOCKET_PING, SOCKET_PONG } from '#shared/socket';
import { addMember, api, createSpace, signUp, type TestUser } from '../tests/support/api-client';
import { freePort, startLocalServer } from '../tests/support/local-server';
import { notifyReleaseToWaiter } from './notify';
import { median } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 1_000);
/** Releases timed from the holder's request to the waiter's system notification (L28, L29). */
const NOTIFY_SAMPLES = Number(process.env.BENCH_NOTIFY_SAMPLES ?? 20);
const WARMUP = 100;
const CONTENDERS = 16;
const CONTENDED_GRANTS = Number(process.env.BENCH_CONTENDED_GRANTS ?? 3_000);
const ROOT = new URL('../', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 3) => Number(value.toFixed(digits));
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

interface Stats {
  p50: number;
  p99: number;
  perS: number;
}
function stats(samples: number[]): Stats {
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    perS: (samples.length * 1000) / total,
  };
}

// ---- processes ----

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return Promise.resolve();
  }
  return Promise.race([exited, sleep(5_000)]).then(() => undefined);
}

/** Bundles the Worker once, then runs that bundle with `wrangler dev` from a temporary folder. */
async function startServer(): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-locks-'));
  const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', X_LOCAL_OBSERVABILITY: 'false', CI: 'true' };
  const built = spawnSync(wrangler, ['deploy', '--dry-run', '--outdir', join(dir, 'dist')], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`bundling failed:\n${built.stdout}\n${built.stderr}`);
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)?.[1] ?? '2026-11-01';
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'index.html'), '<!doctype html><title>bench</title>');
  const classes = ['SpaceObject', 'LockObject', 'AccountObject'];
  writeFileSync(
    join(dir, 'wrangler.json'),
    JSON.stringify({
      name: 'baton-bench',
      main: 'dist/index.js',
      no_bundle: true,
      compatibility_date: compatibilityDate,
      compatibility_flags: ['nodejs_compat'],
      send_metrics: false,
      assets: { directory: 'assets', binding: 'ASSETS', run_worker_first: true },
      durable_objects: {
        bindings: [
          { name: 'SPACES', class_name: 'SpaceObject' },
          { name: 'LOCKS', class_name: 'LockObject' },
          { name: 'ACCOUNTS', class_name: 'AccountObject' },
        ],
      },
      migrations: [{ tag: 'v1', new_sqlite_classes: classes }],
      r2_buckets: [{ binding: 'BLOBS', bucket_name: 'baton-blobs' }],
    }),
  );
  const server = await startLocalServer({ configPath: join(dir, 'wrangler.json') });
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { baseUrl: server.baseUrl, stop };
}

async function startRedis(fsyncAlways: boolean): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-redis-'));
  const port = await freePort();
  const persistence = fsyncAlways
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...persistence],
    { stdio: 'ignore', detached: true },
  );
  const stop = async () => {
    await stopGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 10_000; ; await sleep(50)) {
    try {
      const client = await Resp.open(port);
      await client.command('PING');
      client.close();
      return { port, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw error;
      }
    }
  }
}

// ---- a minimal RESP client (no Redis package is installed; the protocol is small) ----

type RespValue = string | number | null | RespValue[];
class Resp {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (value: RespValue) => void; reject: (error: Error) => void }[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = Resp.parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        const waiter = this.waiting.shift();
        if (parsed.value instanceof Error) waiter?.reject(parsed.value);
        else waiter?.resolve(parsed.value);
      }
    });
  }
  static open(port: number): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Resp(socket)));
      socket.once('error', reject);
    });
  }
  command(...args: string[]): Promise<RespValue> {
    let out = `*${args.length}\r\n`;
    for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(out);
    });
  }
  close(): void {
    this.socket.end();
  }
  private static parse(buf: Buffer, at: number): { value: RespValue | Error; end: number } | null {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const line = buf.toString('utf8', at + 1, eol);
    switch (String.fromCharCode(buf[at] ?? 0)) {
      case '+':
        return { value: line, end: eol + 2 };
      case '-':
        return { value: new Error(line), end: eol + 2 };
      case ':':
        return { value: Number(line), end: eol + 2 };
      case '$': {
        const length = Number(line);
        if (length < 0) return { value: null, end: eol + 2 };
        if (buf.length < eol + 2 + length + 2) return null;
        return { value: buf.toString('utf8', eol + 2, eol + 2 + length), end: eol + 2 + length + 2 };
      }
      case '*': {
        const count = Number(line);
        const items: RespValue[] = [];
        let end = eol + 2;
        for (let i = 0; i < count; i++) {
          const item = Resp.parse(buf, end);
          if (!item) return null;
          if (item.value instanceof Error) return item;
          items.push(item.value);
          end = item.end;
        }
        return { value: items, end };
      }
      default:
        throw new Error(`RESP: unexpected ${line}`);
    }
  }
}

const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

async function redisCycles(port: number, cycles: number): Promise<number[]> {
  const client = await Resp.open(port);
  const sha = String(await client.command('SCRIPT', 'LOAD', RELEASE_SCRIPT));
  const samples: number[] = [];
  for (let i = 0; i < cycles + WARMUP; i++) {
    const token = `t${i}-${Math.random()}`;
    const start = performance.now();
    if ((await client.command('SET', 'bench-lock', token, 'NX', 'PX', '60000')) !== 'OK')
      throw new Error('redis lock busy');
    if ((await client.command('EVALSHA', sha, '1', 'bench-lock', token)) !== 1)
      throw new Error('redis release refused');
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  client.close();
  return samples;
}

// ---- Baton over HTTP and WebSocket ----

let requestCounter = 0;
const requestId = () => `bench-${process.pid}-${++requestCounter}`;

async function httpCycles(
  baseUrl: string,
  user: TestUser,
  spaceId: string,
  name: string,
  cycles: number,
): Promise<number[]> {
  const path = `/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}`;
  const post = async (action: string, json: unknown) => {
    const res = await api(baseUrl, `${path}/${action}`, { method: 'POST', cookie: user.cookie, json });
    const body = (await res.json()) as { status?: string; token?: number };
    if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const samples: number[] = [];
  for (let i = 0; i < cycles + WARMUP; i++) {
    const start = performance.now();
    const grant = await post('acquire', { requestId: requestId(), ttlMs: 60_000 });
    if (grant.status !== 'granted') throw new Error(`expected a grant, got ${grant.status}`);
    await post('release', { token: grant.token });
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  return samples;
}

/** A lock's WebSocket with replies paired by id and pushed events handed to a listener. */
class LockSocket {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: LockSocketServerMessage & { type: 'reply' }) => void>();
  onEvent: (event: LockSocketServerMessage & { type: 'lock' }) => void = () => {};
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const message = v.parse(LockSocketServerMessageSchema, JSON.parse(String(event.data)));
      if (message.type === 'reply') {
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      } else this.onEvent(message);
    });
  }
  static open(baseUrl: string, user: TestUser, spaceId: string, name: string): Promise<LockSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}/socket`;
    // Node's WebSocket (undici) takes headers in its second argument.
    const ws = new WebSocket(url, {
      headers: { cookie: user.cookie, origin: baseUrl },
    } as unknown as string[]);
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new LockSocket(ws)));
      ws.addEventListener('error', () => reject(new Error('lock socket failed to open')));
    });
  }
  send(command: Record<string, unknown>): Promise<LockSocketServerMessage & { type: 'reply' }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ ...command, id }));
    });
  }
  close(): void {
    this.ws.close(1000, 'done');
  }
}

function resultOf(reply: LockSocketServerMessage & { type: 'reply' }): { status: string; token: number } {
  const result = v.parse(
    v.object({ status: v.string(), token: v.optional(v.number(), 0) }),
    reply.result ?? reply.error,
  );
  return result;
}

/** Acquire+release cycles on one socket; also answers the acquire and release halves apart. */
async function wsCycles(
  socket: LockSocket,
  cycles: number,
): Promise<{ cycle: number[]; acquire: number[]; release: number[] }> {
  const out = { cycle: [] as number[], acquire: [] as number[], release: [] as number[] };
  for (let i = 0; i < cycles + WARMUP; i++) {
    const start = performance.now();
    const grant = resultOf(await socket.send({ op: 'acquire', requestId: requestId(), ttlMs: 60_000 }));
    if (grant.status !== 'granted') throw new Error(`expected a grant, got ${grant.status}`);
    const granted = performance.now();
    if (resultOf(await socket.send({ op: 'release', token: grant.token })).status !== 'released')
      throw new Error('release refused');
    const end = performance.now();
    if (i >= WARMUP) {
      out.cycle.push(end - start);
      out.acquire.push(granted - start);
      out.release.push(end - granted);
    }
  }
  return out;
}

/** The floor under the current load: a ping on the space socket, answered by workerd without running our code. */
async function pingRoundTrips(
  baseUrl: string,
  user: TestUser,
  spaceId: string,
  count: number,
): Promise<number[]> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/spaces/${spaceId}/socket`, {
    headers: { cookie: user.cookie, origin: baseUrl },
  } as unknown as string[]);
  let wake: () => void = () => {};
  ws.addEventListener('message', (event) => {
    if (event.data === SOCKET_PONG) wake();
  });
  await new Promise((resolve) => ws.addEventListener('open', resolve));
  const samples: number[] = [];
  for (let i = 0; i < count + WARMUP; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      wake = resolve;
      ws.send(SOCKET_PING);
    });
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  ws.close(1000, 'done');
  return samples;
}

async function contended(baseUrl: string, users: TestUser[], spaceId: string, name: string, target: number) {
  const sockets = await Promise.all(users.map((user) => LockSocket.open(baseUrl, user, spaceId, name)));
  const waits: number[] = [];
  let grants = 0;
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket) => {
      let pushed: { requestId: string; resolve: (token: number) => void } | null = null;
      socket.onEvent = (event) => {
        if (
          event.kind === 'granted' &&
          pushed &&
          event.requestId === pushed.requestId &&
          event.token !== null
        )
          pushed.resolve(event.token);
      };
      while (grants < target) {
        const id = requestId();
        const start = performance.now();
        const grantPush = new Promise<number>((resolve) => (pushed = { requestId: id, resolve }));
        const answer = resultOf(
          await socket.send({ op: 'acquire', requestId: id, ttlMs: 60_000, waitMs: 120_000 }),
        );
        const token =
          answer.status === 'granted' ? answer.token : answer.status === 'queued' ? await grantPush : NaN;
        if (Number.isNaN(token)) throw new Error(`contended acquire answered ${answer.status}`);
        waits.push(performance.now() - start);
        grants += 1;
        if (resultOf(await socket.send({ op: 'release', token })).status !== 'released')
          throw new Error('release refused');
      }
    }),
  );
  const elapsed = performance.now() - started;
  for (const socket of sockets) socket.close();
  return { grants, elapsedMs: elapsed, waits };
}

/** FIFO (L7) on the server's history: every grant to a queued request goes to the head of the queue. */
function fifoViolations(entries: LockHistoryEntry[]): { violations: number; queuedGrants: number } {
  let waiting: string[] = [];
  let violations = 0;
  let queuedGrants = 0;
  for (const e of entries) {
    if (!e.requestId) continue;
    if (e.kind === 'queued') waiting.push(e.requestId);
    else if (e.kind === 'left_queue') waiting = waiting.filter((r) => r !== e.requestId);
    else if (e.kind === 'granted') {
      const at = waiting.indexOf(e.requestId);
      if (at > 0) violations += 1;
      if (at >= 0) {
        queuedGrants += 1;
        waiting.splice(at, 1);
      } else if (waiting.length > 0) violations += 1; // a newcomer served ahead of waiters
    }
  }
  return { violations, queuedGrants };
}

async function readHistory(
  baseUrl: string,
  user: TestUser,
  spaceId: string,
  name: string,
): Promise<LockHistoryEntry[]> {
  const entries: LockHistoryEntry[] = [];
  for (let after = 0; ;) {
    const res = await api(
      baseUrl,
      `/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}/history?after=${after}`,
      { cookie: user.cookie },
    );
    const page = v.parse(LockHistoryResponseSchema, await res.json());
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:locks — ${RUNS} rounds × ${CYCLES} cycles (+${WARMUP} warm-up); ${CONTENDERS} contenders for ${CONTENDED_GRANTS} grants`,
  );
  const loadBefore = loadavg()[0] ?? NaN;
  const server = await startServer();
  const redisFsync = await startRedis(true);
  const redisMem = await startRedis(false);
  try {
    const { baseUrl } = server;
    const owner = await signUp(baseUrl);
    const { spaceId } = await createSpace(baseUrl, owner.cookie, 'Lock bench');
    const users: TestUser[] = [];
    for (let i = 0; i < CONTENDERS; i++)
      users.push(await addMember(baseUrl, owner.cookie, spaceId, 'editor'));
    const solo = users[0]!;
    const socket = await LockSocket.open(baseUrl, solo, spaceId, 'bench/ws-cycle');

    const rounds: Record<
      'ws' | 'wsAcquire' | 'wsRelease' | 'http' | 'redisFsync' | 'redisMem' | 'ping',
      Stats[]
    > = { ws: [], wsAcquire: [], wsRelease: [], http: [], redisFsync: [], redisMem: [], ping: [] };
    for (let round = 1; round <= RUNS; round++) {
      rounds.ping.push(stats(await pingRoundTrips(baseUrl, solo, spaceId, CYCLES)));
      const ws = await wsCycles(socket, CYCLES);
      rounds.ws.push(stats(ws.cycle));
      rounds.wsAcquire.push(stats(ws.acquire));
      rounds.wsRelease.push(stats(ws.release));
      rounds.redisFsync.push(stats(await redisCycles(redisFsync.port, CYCLES)));
      rounds.redisMem.push(stats(await redisCycles(redisMem.port, CYCLES)));
      rounds.http.push(stats(await httpCycles(baseUrl, solo, spaceId, 'bench/http-cycle', CYCLES)));
      console.log(
        `  round ${round}: ws p50 ${rounds.ws.at(-1)!.p50.toFixed(3)} ms, redis fsync p50 ${rounds.redisFsync.at(-1)!.p50.toFixed(3)} ms, http p50 ${rounds.http.at(-1)!.p50.toFixed(3)} ms`,
      );
    }
    socket.close();
    const pick = (key: keyof typeof rounds, field: keyof Stats) => median(rounds[key].map((s) => s[field]));

    const name = 'bench/contended.psd';
    const run = await contended(baseUrl, users, spaceId, name, CONTENDED_GRANTS);
    const history = await readHistory(baseUrl, owner, spaceId, name);
    const fifo = fifoViolations(history);
    // The app in Chromium on a server of its own (the bench server above has no app to serve).
    const notify = await notifyReleaseToWaiter(NOTIFY_SAMPLES);

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      // A shared machine: the 1-minute load average before and after, to judge the figures by.
      load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? NaN, 2) },
      rounds: RUNS,
      cycles_per_round: CYCLES,
      ws_cycle_p50_ms: round(pick('ws', 'p50')),
      ws_cycle_p99_ms: round(pick('ws', 'p99')),
      ws_cycles_per_s: round(pick('ws', 'perS'), 1),
      // The halves: acquire includes recording the grant with the space's fence (L11); release does not wait for it.
      ws_acquire_p50_ms: round(pick('wsAcquire', 'p50')),
      ws_release_p50_ms: round(pick('wsRelease', 'p50')),
      http_cycle_p50_ms: round(pick('http', 'p50')),
      http_cycle_p99_ms: round(pick('http', 'p99')),
      http_cycles_per_s: round(pick('http', 'perS'), 1),
      redis_fsync_cycle_p50_ms: round(pick('redisFsync', 'p50')),
      redis_fsync_cycle_p99_ms: round(pick('redisFsync', 'p99')),
      redis_mem_cycle_p50_ms: round(pick('redisMem', 'p50')),
      redis_mem_cycle_p99_ms: round(pick('redisMem', 'p99')),
      ratio_ws_vs_redis_fsync: round(pick('ws', 'p50') / pick('redisFsync', 'p50'), 2),
      // The floor of any WebSocket exchange with the Worker under the same load (no code of ours runs).
      ws_ping_rtt_p50_ms: round(pick('ping', 'p50')),
      ws_cycle_in_ping_rtts: round(pick('ws', 'p50') / pick('ping', 'p50'), 2),
      contended_clients: CONTENDERS,
      contended_grants: run.grants,
      contended_grants_per_s: round((run.grants * 1000) / run.elapsedMs, 1),
      contended_p50_wait_ms: round(percentile(run.waits, 0.5)),
      contended_p99_wait_ms: round(percentile(run.waits, 0.99)),
      contended_queued_grants: fifo.queuedGrants,
      fifo_violations: fifo.violations,
      notify_samples: notify.length,
      notify_release_to_waiter_p50_ms: round(percentile(notify, 0.5)),
      notify_release_to_waiter_p99_ms: round(percentile(notify, 0.99)),
      targets: {
        ws_within_2x_redis_fsync: pick('ws', 'p50') <= 2 * pick('redisFsync', 'p50'),
        contended_at_least_1000_grants_per_s: (run.grants * 1000) / run.elapsedMs >= 1000,
        zero_fifo_violations: fifo.violations === 0,
        notify_within_1000_ms: percentile(notify, 0.5) <= 1_000,
      },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/locks.json'), `${JSON.stringify(result, null, 2)}\n`);

    console.log('');
    console.table({
      'Baton, WebSocket (acquire+release)': {
        p50_ms: result.ws_cycle_p50_ms,
        p99_ms: result.ws_cycle_p99_ms,
        per_s: result.ws_cycles_per_s,
      },
      '  of which acquire (with the fence RPC)': {
        p50_ms: result.ws_acquire_p50_ms,
        p99_ms: round(pick('wsAcquire', 'p99')),
        per_s: round(pick('wsAcquire', 'perS'), 1),
      },
      '  of which release': {
        p50_ms: result.ws_release_p50_ms,
        p99_ms: round(pick('wsRelease', 'p99')),
        per_s: round(pick('wsRelease', 'perS'), 1),
      },
      'Baton, HTTP (acquire+release)': {
        p50_ms: result.http_cycle_p50_ms,
        p99_ms: result.http_cycle_p99_ms,
        per_s: result.http_cycles_per_s,
      },
      'WebSocket ping/pong (runtime only, floor)': {
        p50_ms: result.ws_ping_rtt_p50_ms,
        p99_ms: round(pick('ping', 'p99')),
        per_s: round(pick('ping', 'perS'), 1),
      },
      'Redis, appendfsync always': {
        p50_ms: result.redis_fsync_cycle_p50_ms,
        p99_ms: result.redis_fsync_cycle_p99_ms,
        per_s: round(pick('redisFsync', 'perS'), 1),
      },
      'Redis, no AOF (memory)': {
        p50_ms: result.redis_mem_cycle_p50_ms,
        p99_ms: result.redis_mem_cycle_p99_ms,
        per_s: round(pick('redisMem', 'perS'), 1),
      },
    });
    console.table({
      [`${CONTENDERS} contenders, one lock`]: {
        grants: result.contended_grants,
        grants_per_s: result.contended_grants_per_s,
        p50_wait_ms: result.contended_p50_wait_ms,
        p99_wait_ms: result.contended_p99_wait_ms,
        fifo_violations: result.fifo_violations,
      },
    });
    console.log(`ratio WebSocket / Redis fsync (p50): ${result.ratio_ws_vs_redis_fsync} (target <= 2)`);
    console.log('targets:', result.targets);
    console.log(
      `load average (1 min): ${result.load_average_1m.before} before, ${result.load_average_1m.after} after, on ${result.machine.cpus} cores`,
    );
    console.log('wrote bench/results/locks.json');
  } finally {
    await Promise.all([server.stop(), redisFsync.stop(), redisMem.stop()]);
  }
}

await main();
