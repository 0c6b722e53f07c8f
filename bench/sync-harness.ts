/**
 * Browser side of bench/sync.ts, bundled with esbuild and served into a Chromium page at the
 * Worker's origin. It drives the real web sync code (Dexie, engine, transport) and, for the
 * comparison, Yjs with y-websocket. Exposed as `globalThis.syncBench`.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import { formatStamp } from '#shared/sync/hlc';
import { BatonDatabase, liveQuery } from '../web/src/lib/db/db';
import { writeEdit } from '../web/src/lib/db/edit-writes';
import { settlePush, syncStateOf, takeBatch } from '../web/src/lib/db/sync-store';
import { SyncEngine } from '../web/src/lib/sync/engine';
import { SpaceSync } from '../web/src/lib/sync/space-sync';
import { HttpTransport, type SyncTransport } from '../web/src/lib/sync/transport';

const databases = new Map<string, BatonDatabase>();
const syncs = new Map<string, SpaceSync>();
let ydoc: Y.Doc | null = null;
let provider: WebsocketProvider | null = null;
let persistence: IndexeddbPersistence | null = null;

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function dbNamed(name: string): BatonDatabase {
  let db = databases.get(name);
  if (!db) {
    db = new BatonDatabase(name);
    databases.set(name, db);
  }
  return db;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A high-resolution wall clock that two pages of one browser share (ms). */
const clock = () => performance.timeOrigin + performance.now();
/** One network call: what, when it started and ended on `clock()`. */
type Span = [op: string, start: number, end: number];
let armed: Promise<number> | null = null;
let lastPush: { spaceId: string; body: Parameters<HttpTransport['push']>[1] } | null = null;

/** The real HTTP transport, recording each push and pull as a span on `into`. */
function traced(into: Span[]): SyncTransport {
  const http = new HttpTransport();
  return {
    push: async (id: string, request: Parameters<HttpTransport['push']>[1]) => {
      const start = clock();
      lastPush = { spaceId: id, body: request };
      const reply = await http.push(id, request);
      into.push(['push', start, clock()]);
      return reply;
    },
    pull: async (id: string, after: number, limit?: number) => {
      const start = clock();
      const page = await http.pull(id, after, limit);
      into.push(['pull', start, clock()]);
      return page;
    },
    connect: http.connect.bind(http),
  };
}

const api = {
  async signUp(username: string, password: string): Promise<void> {
    await post('/api/auth/sign-up', { username, password });
  },
  async createSpace(name: string): Promise<string> {
    const body = (await post('/api/spaces', { name })) as { space: { spaceId: string } };
    return body.space.spaceId;
  },
  async createLink(spaceId: string): Promise<string> {
    return ((await post(`/api/spaces/${spaceId}/links`, { role: 'editor' })) as { token: string }).token;
  },
  async join(token: string): Promise<void> {
    await post(`/api/join/${token}`, {});
  },

  /** Fills a space with `count` small notes through the push API, 500 per request. */
  async seed(spaceId: string, count: number): Promise<void> {
    const clientId = `seed${Math.random().toString(36).slice(2, 10)}`;
    const wall = Date.now();
    for (let start = 0; start < count; start += 500) {
      const mutations = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        mutations.push({
          id: `seedmut${String(i).padStart(8, '0')}`,
          itemId: `bulk${String(i).padStart(8, '0')}`,
          kind: 'note',
          stamp: formatStamp({ wall, counter: i % 1_000_000, node: clientId }),
          set: {
            title: { v: `Note ${i}`, b: null },
            body: { v: `Body of note ${i}, a line of text.`, b: null },
          },
        });
      }
      await post(`/api/spaces/${spaceId}/sync/push`, { clientId, mutations });
    }
  },
  /**
   * The same edits issued in a loop without awaiting each (a paste, an import, a script), until
   * every one is durable; answers ms spent.
   */
  async editsBurst(
    dbName: string,
    spaceId: string,
    from: number,
    count: number,
    items: number,
  ): Promise<number> {
    const db = dbNamed(dbName);
    const start = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = from; i < from + count; i++) {
      writes.push(
        writeEdit(db, spaceId, {
          itemId: `item${String(i % items).padStart(6, '0')}`,
          kind: 'note',
          values: { [`f${Math.floor(i / items)}`]: `v${i}` },
        }),
      );
    }
    await Promise.all(writes);
    return performance.now() - start;
  },

  /** `count` single edits, each awaited until durable; answers each one's ms. */
  async editLatencies(dbName: string, spaceId: string, count: number): Promise<number[]> {
    const db = dbNamed(dbName);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await writeEdit(db, spaceId, { itemId: 'latency0', kind: 'note', values: { body: `v${i}` } });
      times.push(performance.now() - start);
    }
    return times;
  },

  /** Local edits without syncing (the device is "offline"), each awaited; answers ms spent. */
  async edits(dbName: string, spaceId: string, from: number, count: number, items: number): Promise<number> {
    const db = dbNamed(dbName);
    const start = performance.now();
    for (let i = from; i < from + count; i++) {
      await writeEdit(db, spaceId, {
        itemId: `item${String(i % items).padStart(6, '0')}`,
        kind: 'note',
        values: { [`f${Math.floor(i / items)}`]: `v${i}` },
      });
    }
    return performance.now() - start;
  },
  /** One sync run (push all, pull all) of a fresh engine; its calls go to `spans`. Answers ms. */
  async syncOnce(dbName: string, spaceId: string, pullLimit?: number): Promise<number> {
    const transport = traced(api.spans);
    const engine = new SyncEngine({
      db: dbNamed(dbName),
      spaceId,
      transport,
      ...(pullLimit ? { pullLimit } : {}),
    });
    const start = performance.now();
    await engine.sync();
    if (engine.status.phase !== 'idle')
      throw new Error(`sync ended ${engine.status.phase}: ${JSON.stringify(engine.status.lastError)}`);
    return performance.now() - start;
  },
  /** The push loop of the engine, step by step, with the time of each step (ms). */
  async profilePush(dbName: string, spaceId: string): Promise<number[][]> {
    const db = dbNamed(dbName);
    const http = new HttpTransport();
    const steps: number[][] = [];
    for (;;) {
      let t = performance.now();
      const batch = await takeBatch(db, spaceId, 2000, 4 * 1024 * 1024 - 1024);
      const take = performance.now() - t;
      if (batch.length === 0) return steps;
      t = performance.now();
      const { clientId } = await syncStateOf(db, spaceId);
      const state = performance.now() - t;
      t = performance.now();
      const body = { clientId, mutations: batch.map((entry) => entry.mutation) };
      const reply = await http.push(spaceId, body);
      const push = performance.now() - t;
      t = performance.now();
      await settlePush(db, spaceId, batch, reply);
      const settle = performance.now() - t;
      steps.push([batch.length, Math.round(take), Math.round(state), Math.round(push), Math.round(settle)]);
    }
  },
  clockNow(): number {
    return clock();
  },
  /** Pushes and pulls of the live client, for the step breakdown (cleared by `liveSpans(true)`). */
  spans: [] as Span[],
  startLive(dbName: string, spaceId: string): void {
    syncs.set(
      dbName,
      new SpaceSync(spaceId, { db: dbNamed(dbName), pushDelayMs: 0, transport: traced(api.spans) }).start(),
    );
  },
  liveSpans(clear: boolean): Span[] {
    const spans = [...api.spans];
    if (clear) api.spans.length = 0;
    return spans;
  },
  /** Reading the outbox as the engine's first push does (read only); answers ms. */
  async timeTakeBatch(dbName: string, spaceId: string): Promise<number> {
    const start = performance.now();
    await takeBatch(dbNamed(dbName), spaceId, 10_000, 4 * 1024 * 1024 - 1024);
    return performance.now() - start;
  },
  /**
   * Sends the last push again: every mutation id is remembered, so the server parses, checks
   * and answers from memory without applying anything. The difference to the first push is
   * what applying cost inside the SpaceObject (its clock does not move inside a transaction).
   */
  async repushLast(): Promise<number> {
    if (!lastPush) throw new Error('no push to repeat');
    const start = clock();
    await new HttpTransport().push(lastPush.spaceId, lastPush.body);
    return clock() - start;
  },
  /** Watches for `field` of `itemId` to hold `value` in the replica; `armedAt` answers when it did. */
  arm(dbName: string, spaceId: string, itemId: string, field: string, value: string): void {
    const db = dbNamed(dbName);
    armed = new Promise((resolve) => {
      const subscription = liveQuery(() => db.items.get([spaceId, itemId])).subscribe((row) => {
        if (row?.fields[field]?.v !== value) return;
        resolve(clock());
        queueMicrotask(() => subscription.unsubscribe());
      });
    });
  },
  armedAt(): Promise<number> {
    if (!armed) throw new Error('nothing armed');
    return armed;
  },
  /** One edit through the app's write path on a live client; answers when it was made. */
  liveEdit(dbName: string, spaceId: string, itemId: string, field: string, value: string): number {
    const start = clock();
    void writeEdit(dbNamed(dbName), spaceId, { itemId, kind: 'note', values: { [field]: value } });
    return start;
  },
  async after(dbName: string, spaceId: string): Promise<number> {
    return (await dbNamed(dbName).syncState.get(spaceId))?.after ?? 0;
  },
  /** Resolves (with Date.now()) once the replica has pulled up to `target`. */
  async waitAfter(dbName: string, spaceId: string, target: number): Promise<number> {
    const db = dbNamed(dbName);
    const until = Date.now() + 300_000;
    while (Date.now() < until) {
      if (((await db.syncState.get(spaceId))?.after ?? 0) >= target) return Date.now();
      await sleep(5);
    }
    throw new Error(`timed out waiting for sequence ${target}`);
  },
  /**
   * Resolves (with Date.now()) once the replica holds `field` of `itemId`: the last edit, whose
   * item carries the highest sequence number, so pages applied in order mean all edits are in.
   */
  async waitField(dbName: string, spaceId: string, itemId: string, field: string): Promise<number> {
    const db = dbNamed(dbName);
    const until = Date.now() + 300_000;
    while (Date.now() < until) {
      if ((await db.items.get([spaceId, itemId]))?.fields[field] !== undefined) return Date.now();
      await sleep(2);
    }
    throw new Error(`timed out waiting for ${itemId}.${field}`);
  },
  /** Resolves (with Date.now()) once the replica holds `target` edited fields; counts after each pull. */
  async waitFields(dbName: string, spaceId: string, target: number): Promise<number> {
    const db = dbNamed(dbName);
    const until = Date.now() + 300_000;
    let seen = -1;
    while (Date.now() < until) {
      const after = (await db.syncState.get(spaceId))?.after ?? 0;
      if (after !== seen) {
        seen = after;
        if ((await api.countFields(dbName, spaceId)) >= target) return Date.now();
      }
      await sleep(5);
    }
    throw new Error(`timed out waiting for ${target} fields`);
  },
  async countFields(dbName: string, spaceId: string): Promise<number> {
    const rows = await dbNamed(dbName)
      .items.where('[spaceId+updatedAt]')
      .between([spaceId, -Infinity], [spaceId, Infinity])
      .toArray();
    return rows.reduce(
      (sum, row) => sum + Object.keys(row.fields).filter((f) => f.startsWith('f')).length,
      0,
    );
  },
  async countItems(dbName: string, spaceId: string): Promise<number> {
    return dbNamed(dbName)
      .items.where('[spaceId+updatedAt]')
      .between([spaceId, -Infinity], [spaceId, Infinity])
      .count();
  },
  /** A raw Dexie bulkPut of the rows another replica holds, into a fresh database of the same schema. */
  async rawBulkPut(fromDb: string, spaceId: string, toDb: string): Promise<number> {
    const rows = await dbNamed(fromDb)
      .items.where('[spaceId+updatedAt]')
      .between([spaceId, -Infinity], [spaceId, Infinity])
      .toArray();
    const target = dbNamed(toDb);
    await target.open();
    const start = performance.now();
    await target.items.bulkPut(rows);
    return performance.now() - start;
  },
  async deleteDb(name: string): Promise<void> {
    const db = dbNamed(name);
    db.close();
    await db.delete();
    databases.delete(name);
  },

  // Yjs: one document per page, a map of per-item maps, like the Baton items.
  /** Opens the room; with `durableName`, the document is also kept in IndexedDB by y-indexeddb. */
  async yjsOpen(url: string, room: string, connect: boolean, durableName?: string): Promise<void> {
    ydoc = new Y.Doc();
    if (durableName) {
      persistence = new IndexeddbPersistence(durableName, ydoc);
      await persistence.whenSynced;
    }
    provider = new WebsocketProvider(url, room, ydoc, { connect, disableBc: true });
  },
  /**
   * Resolves (with Date.now()) once every update y-indexeddb has queued so far is stored: it
   * writes each update in its own transaction, and IndexedDB runs transactions on one store in
   * the order they were made, so one more read-write transaction completes after all of them.
   */
  async yjsFlushed(): Promise<number> {
    const idb = persistence?.db;
    if (!idb) throw new Error('no durable Yjs document open');
    await new Promise<void>((resolve, reject) => {
      const tx = idb.transaction(['updates'], 'readwrite');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('flush failed'));
    });
    return Date.now();
  },
  yjsDisconnect(): void {
    provider?.disconnect();
  },
  yjsConnect(): void {
    provider?.connect();
  },
  async yjsSynced(): Promise<void> {
    while (!provider?.synced) await sleep(5);
  },
  yjsEdits(from: number, count: number, items: number): number {
    const doc = ydoc!;
    const root = doc.getMap<Y.Map<string>>('items');
    const start = performance.now();
    for (let i = from; i < from + count; i++) {
      const key = `item${String(i % items).padStart(6, '0')}`;
      // One transaction per edit: each is its own update, like each Baton edit is one mutation.
      doc.transact(() => {
        let item = root.get(key);
        if (!item) {
          item = new Y.Map<string>();
          root.set(key, item);
        }
        item.set(`f${Math.floor(i / items)}`, `v${i}`);
      });
    }
    return performance.now() - start;
  },
  /** Watches the Yjs document for `field` of `itemId` to hold `value`. */
  yjsArm(itemId: string, field: string, value: string): void {
    const doc = ydoc!;
    armed = new Promise((resolve) => {
      const check = () => {
        if (doc.getMap<Y.Map<string>>('items').get(itemId)?.get(field) !== value) return;
        resolve(clock());
        doc.off('afterTransaction', check);
      };
      doc.on('afterTransaction', check);
    });
  },
  yjsLiveEdit(itemId: string, field: string, value: string): number {
    const doc = ydoc!;
    const start = clock();
    doc.transact(() => {
      const root = doc.getMap<Y.Map<string>>('items');
      let item = root.get(itemId);
      if (!item) {
        item = new Y.Map<string>();
        root.set(itemId, item);
      }
      item.set(field, value);
    });
    return start;
  },
  yjsCount(): number {
    let count = 0;
    ydoc?.getMap<Y.Map<string>>('items').forEach((item) => {
      item.forEach((_value, key) => {
        if (key.startsWith('f')) count += 1;
      });
    });
    return count;
  },
  /** Resolves (with Date.now()) once the document has `field` of `itemId` (the last edit). */
  async yjsWaitField(itemId: string, field: string): Promise<number> {
    const until = Date.now() + 300_000;
    while (!ydoc?.getMap<Y.Map<string>>('items').get(itemId)?.has(field)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${itemId}.${field}`);
      await sleep(2);
    }
    return Date.now();
  },
  async yjsWaitCount(target: number): Promise<number> {
    const until = Date.now() + 300_000;
    while (api.yjsCount() < target) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${target} Yjs fields`);
      await sleep(10);
    }
    return Date.now();
  },
  async yjsClose(): Promise<void> {
    provider?.destroy();
    ydoc?.destroy();
    await persistence?.destroy();
    provider = null;
    ydoc = null;
    persistence = null;
  },
  /** Reads every item of the space, as the space view did before S27; answers ms. */
  async readAllMs(dbName: string, spaceId: string): Promise<number> {
    const start = performance.now();
    const rows = await dbNamed(dbName)
      .items.where('[spaceId+updatedAt]')
      .between([spaceId, -Infinity], [spaceId, Infinity])
      .reverse()
      .toArray();
    if (rows.length === 0) throw new Error('nothing to read');
    return performance.now() - start;
  },
};

(globalThis as unknown as { syncBench: typeof api }).syncBench = api;
