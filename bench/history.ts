/**
 * `npm run bench:history` (docs/spec/history.md, issue 22), against a real local `wrangler dev`
 * (workerd, SQLite on disk), over HTTP and the space's WebSocket:
 *  1. restore_p50_ms: restore an earlier version of a 20 KB note; from the request until a
 *     second device (live on the socket: poke, then pull if the poke has no page) holds it;
 *  2. rewind_1k_items_s: a space of 1,000 notes, each changed after a moment; the rewind to that
 *     moment, request to applied (a rewind of ≤ 1,000 items is applied inside the request, V17).
 *     The moment is seconds back, not an hour: the work depends on the items, not the distance;
 *  3. history_mb_per_hour_typing: an hour of typing into a 20 KB note, one write a second (3,600
 *     writes, each typed on the one before, stamped a second apart, pushed a minute at a time):
 *     the bytes of every column of every version the store then keeps (V14's usage), packed as
 *     stored (V21). Thinning keeps every version for 30 days (V13), so this is the most an hour
 *     of typing takes; SQLite's indexes come on top;
 *  4. push10k_ratio_with_history: one HTTP push of 10,000 edits (1,000 notes x 10 edits of the
 *     body, each on the one before, as a device that typed offline sends them) to the Worker as
 *     it ships, against the same push to the same Worker with its version store switched off
 *     (HISTORY_OFF below). The ratio of the medians.
 * Writes bench/results/history.json and prints the figures with their targets.
 * Knobs (environment): BENCH_RUNS (3), BENCH_RESTORES (21), BENCH_TYPING_WRITES (3600).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStamp, stampNode } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import { api, createSpace, signUp, type TestUser } from '../tests/support/api-client';
import { startLocalServer, type LocalServer } from '../tests/support/local-server';
import { median } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RESTORES = Number(process.env.BENCH_RESTORES ?? 21);
const TYPING_WRITES = Number(process.env.BENCH_TYPING_WRITES ?? 3_600);
const ROOT = new URL('../', import.meta.url).pathname;

type Change = { item: { id: string; fields: Record<string, { v: unknown; s: string }> } };
type Page = { changes: Change[]; next: number; more: boolean };

/**
 * The Worker with its version store switched off, for the push ratio only: every other line of
 * the push path is the one that ships. Written into the throwaway folder, never deployed.
 */
const HISTORY_OFF = `
import { BatchVersionStore } from '${ROOT}worker/src/space/version-store';
BatchVersionStore.prototype.add = () => undefined;
BatchVersionStore.prototype.link = () => undefined;
BatchVersionStore.prototype.flush = () => undefined;
BatchVersionStore.prototype.get = () => null;
export * from '${ROOT}worker/src/index';
export { default } from '${ROOT}worker/src/index';
`;

/** The project's Worker (or, `historyOff`, the one above) with its bindings, in a throwaway folder. */
async function startWorker(
  variant: 'shipped' | 'historyOff',
): Promise<{ server: LocalServer; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-history-'));
  writeFileSync(join(dir, 'history-off.ts'), HISTORY_OFF);
  const main = variant === 'shipped' ? join(ROOT, 'worker/src/index.ts') : join(dir, 'history-off.ts');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'index.html'), '<!doctype html><title>bench</title>');
  writeFileSync(
    join(dir, 'wrangler.json'),
    JSON.stringify({
      name: 'baton-bench-history',
      main,
      compatibility_date: '2026-11-01',
      compatibility_flags: ['nodejs_compat'],
      send_metrics: false,
      vars: { CLIENT_IP_SOURCE: 'none' },
      assets: { directory: 'assets', binding: 'ASSETS', run_worker_first: true },
      durable_objects: {
        bindings: ['SPACES', 'LOCKS', 'ACCOUNTS'].map((name, i) => ({
          name,
          class_name: ['SpaceObject', 'LockObject', 'AccountObject'][i],
        })),
      },
      migrations: [{ tag: 'v1', new_sqlite_classes: ['SpaceObject', 'LockObject', 'AccountObject'] }],
      r2_buckets: [{ binding: 'BLOBS', bucket_name: 'baton-blobs' }],
    }),
  );
  const server = await startLocalServer({ configPath: join(dir, 'wrangler.json') });
  return {
    server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A device's stamps: a second apart from `wall` unless told. */
function stamper(node: string, wall = Date.now()) {
  let counter = 0;
  return (step = 1) => formatStamp({ wall: (wall += step), counter: ++counter % 1000, node });
}

async function push(base: string, user: TestUser, spaceId: string, mutations: Mutation[]): Promise<number> {
  const started = performance.now();
  const res = await api(base, `/api/spaces/${spaceId}/sync/push`, {
    method: 'POST',
    cookie: user.cookie,
    json: { clientId: stampNode(mutations[0]!.stamp), mutations },
  });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { results: { status: string }[] };
  if (answer.results.some((r) => r.status !== 'applied')) throw new Error('a write was not applied');
  return performance.now() - started;
}

const write = (id: string, itemId: string, stamp: string, body: string, b: string | null): Mutation => ({
  id: `mutation-${id}`,
  itemId,
  kind: 'note',
  stamp,
  set: { body: { v: body, b } },
});

/** 20 KB of distinct lines. */
function note20k(): string {
  return Array.from({ length: 280 }, (_, i) => `Line ${i}: notes of the weekly meeting, item ${i * 7}.`)
    .join('\n')
    .slice(0, 20_000);
}

async function restoreP50(base: string): Promise<number> {
  const owner = await signUp(base);
  const { spaceId } = await createSpace(base, owner.cookie, 'Bench restore');
  const stamp = stamper('restorer01');
  const first = note20k();
  const second = first.replace('Line 10:', 'Line ten:');
  const s1 = stamp();
  await push(base, owner, spaceId, [write('r-first', 'restore-note', s1, first, null)]);
  await push(base, owner, spaceId, [write('r-second', 'restore-note', stamp(), second, s1)]);
  // The second device: live on the socket, pulling when a poke has no page for it.
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/spaces/${spaceId}/socket`, {
    headers: { cookie: owner.cookie, origin: base },
  } as unknown as string[]);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let cursor = 0;
  const pull = async (): Promise<Change[]> => {
    const changes: Change[] = [];
    for (let more = true; more;) {
      const res = await api(base, `/api/spaces/${spaceId}/sync/pull?after=${cursor}`, {
        cookie: owner.cookie,
      });
      const page = (await res.json()) as Page;
      changes.push(...page.changes);
      cursor = page.next;
      more = page.more;
    }
    return changes;
  };
  await pull();
  let waiting: ((changes: Change[]) => void) | null = null;
  ws.onmessage = (event) => {
    const poke = JSON.parse(String(event.data)) as { type: string; from?: number; page?: Page };
    if (poke.type !== 'poke' || !waiting) return;
    const done = waiting;
    if (poke.page && poke.from === cursor) {
      cursor = poke.page.next;
      done(poke.page.changes);
    } else void pull().then(done);
  };
  const history = (await (
    await api(base, `/api/spaces/${spaceId}/items/restore-note/history`, { cookie: owner.cookie })
  ).json()) as { edits: { stamp: string }[] };
  const stamps = history.edits.map((e) => e.stamp).reverse();
  const times: number[] = [];
  for (let round = 0; round < RESTORES; round++) {
    const target = round % 2 === 0 ? first : second;
    const seen = new Promise<void>((resolve) => {
      waiting = (changes) => {
        if (changes.some((c) => c.item.id === 'restore-note' && c.item.fields['body']?.v === target)) {
          waiting = null;
          resolve();
        }
      };
    });
    const started = performance.now();
    const res = await api(base, `/api/spaces/${spaceId}/items/restore-note/history/restore`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { what: 'version', stamp: stamps[round % 2] },
    });
    if (res.status !== 200) throw new Error(`restore: ${res.status} ${await res.text()}`);
    await seen;
    times.push(performance.now() - started);
  }
  ws.close();
  return median(times);
}

async function rewind1k(base: string): Promise<number> {
  const owner = await signUp(base);
  const { spaceId } = await createSpace(base, owner.cookie, 'Bench rewind');
  const stamp = stamper('rewinder01');
  const ids = Array.from({ length: 1_000 }, (_, i) => `rewind-${String(i).padStart(4, '0')}`);
  const made = ids.map((id) => write(`m-${id}`, id, stamp(), `The first text of ${id}.\n`, null));
  await push(base, owner, spaceId, made);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const moment = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const changed = ids.map((id, i) =>
    write(`c-${id}`, id, stamp(), `The first text of ${id}, changed.\n`, made[i]!.stamp),
  );
  await push(base, owner, spaceId, changed);
  const started = performance.now();
  const res = await api(base, `/api/spaces/${spaceId}/rewind`, {
    method: 'POST',
    cookie: owner.cookie,
    json: { at: moment },
  });
  const seconds = (performance.now() - started) / 1000;
  const answer = (await res.json()) as { changed: { count: number }; applied: boolean };
  if (res.status !== 200 || !answer.applied || answer.changed.count !== 1_000)
    throw new Error(`rewind: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return seconds;
}

async function typingHour(base: string): Promise<{ mb: number; versions: number }> {
  const owner = await signUp(base);
  const { spaceId } = await createSpace(base, owner.cookie, 'Bench typing');
  const stamp = stamper('typist0001', Date.now() - TYPING_WRITES * 1000);
  let text = note20k();
  let cursor = Math.floor(text.length / 2);
  let last: string | null = null;
  const words = ['the ', 'budget ', 'for ', 'next ', 'year ', 'is ', 'agreed, ', 'see ', 'notes. '];
  for (let at = 0; at < TYPING_WRITES; at += 60) {
    const batch: Mutation[] = [];
    for (let n = at; n < Math.min(at + 60, TYPING_WRITES); n++) {
      // A second of typing: a word at the cursor, now and then a backspace over a letter.
      const typed = n % 11 === 5 ? '' : words[n % words.length]!;
      text =
        n % 11 === 5
          ? text.slice(0, cursor - 1) + text.slice(cursor)
          : text.slice(0, cursor) + typed + text.slice(cursor);
      cursor += n % 11 === 5 ? -1 : typed.length;
      if (n % 300 === 299) cursor = Math.floor((n * 7919) % text.length); // moves elsewhere now and then
      const s = stamp(1000);
      batch.push(write(`t-${n}`, 'typed-note', s, text, last));
      last = s;
    }
    await push(base, owner, spaceId, batch);
  }
  const res = await api(base, `/api/spaces/${spaceId}/history-settings`, { cookie: owner.cookie });
  const { usage } = (await res.json()) as { usage: { versions: number; bytes: number } };
  return { mb: usage.bytes / 1e6, versions: usage.versions };
}

/** One push of 10,000 edits (1,000 notes x 10), after the notes were made; its ms. */
async function push10k(base: string): Promise<number> {
  const owner = await signUp(base);
  const { spaceId } = await createSpace(base, owner.cookie, 'Bench push');
  const stamp = stamper('pusher0001');
  const ids = Array.from({ length: 1_000 }, (_, i) => `push-${String(i).padStart(4, '0')}`);
  const texts = ids.map((id) => `Shopping list ${id}: bread, milk, apples, coffee, rice.`);
  const lasts = ids.map((id, i) => ({ id, text: texts[i]!, stamp: stamp() }));
  await push(
    base,
    owner,
    spaceId,
    lasts.map((l) => write(`p0-${l.id}`, l.id, l.stamp, l.text, null)),
  );
  const edits: Mutation[] = [];
  for (let round = 1; round <= 10; round++) {
    for (const l of lasts) {
      const s = stamp();
      l.text = `${l.text} e${round}`;
      edits.push(write(`p${round}-${l.id}`, l.id, s, l.text, l.stamp));
      l.stamp = s;
    }
  }
  return push(base, owner, spaceId, edits);
}

async function main(): Promise<void> {
  const shipped = await startWorker('shipped');
  const restoreMs = await restoreP50(shipped.server.baseUrl);
  const rewindS = median(await sequence(RUNS, () => rewind1k(shipped.server.baseUrl)));
  const typing = await typingHour(shipped.server.baseUrl);
  const withHistory: number[] = [];
  const without: number[] = [];
  await push10k(shipped.server.baseUrl); // warm-up
  for (let run = 0; run < RUNS; run++) withHistory.push(await push10k(shipped.server.baseUrl));
  await shipped.stop();
  const off = await startWorker('historyOff');
  await push10k(off.server.baseUrl);
  for (let run = 0; run < RUNS; run++) without.push(await push10k(off.server.baseUrl));
  await off.stop();
  const round = (value: number, digits = 3) => Number(value.toFixed(digits));
  const results = {
    restore_p50_ms: round(restoreMs, 1),
    rewind_1k_items_s: round(rewindS),
    history_mb_per_hour_typing: round(typing.mb),
    history_versions_per_hour_typing: typing.versions,
    push10k_ms_with_history: round(median(withHistory), 1),
    push10k_ms_without_history: round(median(without), 1),
    push10k_ratio_with_history: round(median(withHistory) / median(without)),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/history.json', `${JSON.stringify(results, null, 2)}\n`);
  const targets: Record<string, string> = {
    restore_p50_ms: '≤ 300',
    rewind_1k_items_s: '≤ 5',
    history_mb_per_hour_typing: '≤ 2',
    push10k_ratio_with_history: '≤ 1.2',
  };
  for (const [name, value] of Object.entries(results))
    console.log(`${name.padEnd(36)} ${String(value).padStart(10)}  ${targets[name] ?? ''}`);
}

async function sequence<T>(count: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await fn());
  return out;
}

await main();
