import 'fake-indexeddb/auto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BatonDatabase } from '../../web/src/lib/db/db';
import {
  conflictsOfSpace,
  itemOf,
  itemsOfSpace,
  pendingCount,
  rejectedEdits,
} from '../../web/src/lib/db/queries';
import { createItem, editItem } from '../../web/src/lib/sync/edits';
import { SyncEngine } from '../../web/src/lib/sync/engine';
import { SpaceSync } from '../../web/src/lib/sync/space-sync';
import { HttpTransport, SyncError, type SyncTransport } from '../../web/src/lib/sync/transport';
import { apiClient, type TestUser } from '../support/api-client';

// The real web sync client (Dexie over fake-indexeddb, fetch, WebSocket) in Node, against the
// real Worker in workerd (wrangler dev started by tests/support/global-server.ts).

const client = apiClient(inject('baseUrl'));
const databases: BatonDatabase[] = [];
let made = 0;

function transportFor(user: TestUser): HttpTransport {
  return new HttpTransport({
    baseUrl: client.baseUrl,
    headers: { cookie: user.cookie, origin: new URL(client.baseUrl).origin },
  });
}

/** A transport with an "offline" switch in front of the real one. */
function switchable(inner: SyncTransport): SyncTransport & { online: boolean } {
  const offline = (): SyncError => new SyncError('NETWORK', 'offline', 0, 'retry');
  const wrapper = {
    online: true,
    push: (spaceId: string, request: Parameters<SyncTransport['push']>[1]) =>
      wrapper.online ? inner.push(spaceId, request) : Promise.reject(offline()),
    pull: (spaceId: string, after: number, limit?: number) =>
      wrapper.online ? inner.pull(spaceId, after, limit) : Promise.reject(offline()),
    connect: inner.connect.bind(inner),
  };
  return wrapper;
}

function device(): BatonDatabase {
  const db = new BatonDatabase(`integration-sync-${process.pid}-${++made}`);
  databases.push(db);
  return db;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

afterAll(async () => {
  for (const db of databases) {
    db.close();
    await db.delete();
  }
});

describe('web sync client against the real Worker', () => {
  it('[S1] [S11] an edit on one device reaches another live, through a poke', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Live');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const [dbA, dbB] = [device(), device()];
    const syncA = new SpaceSync(spaceId, { db: dbA, transport: transportFor(owner), pushDelayMs: 0 }).start();
    const syncB = new SpaceSync(spaceId, {
      db: dbB,
      transport: transportFor(editor),
      pushDelayMs: 0,
    }).start();
    try {
      await eventually(
        async () => (await dbB.syncState.get(spaceId))?.lastSyncedAt != null,
        'B to sync once',
      );
      const id = await createItem(spaceId, 'note', { title: 'hello from A' }, dbA);
      await eventually(
        async () => (await itemOf(dbB, spaceId, id))?.fields.title?.v === 'hello from A',
        'the note on B',
      );
      await editItem(spaceId, id, { body: 'B adds a body' }, {}, dbB);
      await eventually(
        async () => (await itemOf(dbA, spaceId, id))?.fields.body?.v === 'B adds a body',
        'the body on A',
      );
      expect(await pendingCount(dbA, spaceId)).toBe(0);
    } finally {
      syncA.stop();
      syncB.stop();
    }
  });

  it('[S4] [S37] [S10] offline edits on two devices converge with a conflict copy; a new device pulls it all in pages', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Offline');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const [dbA, dbB] = [device(), device()];
    const netA = switchable(transportFor(owner));
    const netB = switchable(transportFor(editor));
    const a = new SyncEngine({ db: dbA, spaceId, transport: netA, maxBatchCount: 7 });
    const b = new SyncEngine({ db: dbB, spaceId, transport: netB, pullLimit: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(await createItem(spaceId, 'note', { title: `note ${i}`, body: 'start' }, dbA));
    await a.sync();
    await b.sync();
    expect((await itemsOfSpace(dbB, spaceId)).length).toBe(20);

    netA.online = false;
    netB.online = false;
    await editItem(spaceId, ids[0]!, { title: 'A offline' }, {}, dbA);
    await editItem(spaceId, ids[1]!, { body: 'A edits body' }, {}, dbA);
    // B edits later. Each device corrects its clock by the server time of its last exchange,
    // which can be off by a reply's latency on a busy machine: wait well past that.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await editItem(spaceId, ids[0]!, { title: 'B offline' }, {}, dbB);
    await editItem(spaceId, ids[1]!, { title: 'B edits title' }, {}, dbB);
    await a.sync();
    expect(a.status.phase).toBe('offline');
    netA.online = true;
    netB.online = true;
    await a.sync();
    await b.sync();
    await a.sync();

    const strip = (items: { id: string; kind: string; fields: unknown; conflict?: unknown }[]) =>
      items
        .map(({ id, kind, fields, conflict }) => ({ id, kind, fields, conflict }))
        .sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(strip(await itemsOfSpace(dbA, spaceId))).toEqual(strip(await itemsOfSpace(dbB, spaceId)));
    // Both replaced the same title (S37): A's, first at the server, stays; B's is kept in a copy.
    expect((await itemOf(dbA, spaceId, ids[0]!))?.fields.title?.v).toBe('A offline');
    expect((await itemOf(dbA, spaceId, ids[1]!))?.fields).toMatchObject({
      title: { v: 'B edits title' },
      body: { v: 'A edits body' },
    });
    const copies = await conflictsOfSpace(dbB, spaceId, ids[0]);
    expect(copies.map((copy) => [copy.conflict?.reason, copy.fields.title?.v])).toEqual([
      ['lost', 'B offline'],
    ]);

    const dbC = device();
    const c = new SyncEngine({ db: dbC, spaceId, transport: transportFor(editor), pullLimit: 3 });
    await c.sync();
    expect(strip(await itemsOfSpace(dbC, spaceId))).toEqual(strip(await itemsOfSpace(dbA, spaceId)));
  });

  it("[S8] a stale lock holder's offline edit comes back as a conflict copy, and the item shows the server's version", async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Fenced');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const dbA = device();
    const a = new SyncEngine({ db: dbA, spaceId, transport: transportFor(editor) });
    const id = await createItem(spaceId, 'note', { title: 'checked in' }, dbA);
    await a.sync();
    const acquire = async (user: TestUser) => {
      const res = await client.api(`/api/spaces/${spaceId}/locks/${id}/acquire`, {
        method: 'POST',
        cookie: user.cookie,
        json: { requestId: `req-${Math.random().toString(36).slice(2)}`, ttlMs: 1_000 },
      });
      return ((await res.json()) as { token: number }).token;
    };
    const token = await acquire(editor);
    await editItem(
      spaceId,
      id,
      { title: 'edited while holding, but offline' },
      { lock: { name: id, token } },
      dbA,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await acquire(owner);
    await a.sync();
    expect((await itemOf(dbA, spaceId, id))?.fields.title?.v).toBe('checked in');
    const copies = await conflictsOfSpace(dbA, spaceId, id);
    expect(copies.map((copy) => [copy.conflict?.reason, copy.fields.title?.v])).toEqual([
      ['fenced', 'edited while holding, but offline'],
    ]);
    expect(await pendingCount(dbA, spaceId)).toBe(0);
  });

  it("[S9] a viewer's edits are refused and kept visible with the reason", async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Read only');
    const viewer = await client.addMember(owner.cookie, spaceId, 'viewer');
    const db = device();
    const engine = new SyncEngine({ db, spaceId, transport: transportFor(viewer) });
    await createItem(spaceId, 'note', { title: 'not allowed' }, db);
    await engine.sync();
    expect((await rejectedEdits(db, spaceId)).map((entry) => entry.code)).toEqual(['FORBIDDEN']);
    expect(await pendingCount(db, spaceId)).toBe(0);
  });
});
