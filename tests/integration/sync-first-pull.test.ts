import 'fake-indexeddb/auto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { formatStamp } from '../../shared/src/sync/hlc';
import { BatonDatabase } from '../../web/src/lib/db/db';
import { itemsOfSpace } from '../../web/src/lib/db/queries';
import { syncStateOf } from '../../web/src/lib/db/sync-store';
import { SyncEngine, type EngineStatus } from '../../web/src/lib/sync/engine';
import { HttpTransport, SyncError, type SyncTransport } from '../../web/src/lib/sync/transport';
import { apiClient } from '../support/api-client';

// A large first pull (S10, S20) with the real web sync client (Dexie over fake-indexeddb)
// against the real Worker: it shows its progress, and when the network drops midway the next
// run goes on after the last page it stored instead of starting over.

const client = apiClient(inject('baseUrl'));
const ITEMS = 3_000;
const PAGE = 250;
const db = new BatonDatabase(`integration-first-pull-${process.pid}`);

afterAll(async () => {
  db.close();
  await db.delete();
});

/** The real transport, recording each pull's `after` and failing from pull number `failFrom` on. */
function recording(inner: SyncTransport, failFrom = Infinity): SyncTransport & { afters: number[] } {
  const afters: number[] = [];
  return {
    afters,
    push: inner.push.bind(inner),
    connect: inner.connect.bind(inner),
    pull(spaceId, after, limit) {
      afters.push(after);
      if (afters.length >= failFrom) return Promise.reject(new SyncError('NETWORK', 'offline', 0, 'retry'));
      return inner.pull(spaceId, after, limit);
    },
  };
}

describe('a large first pull', () => {
  it('[S10] [S20] shows "n of total" as it goes, and after a drop midway resumes where it stopped', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Big');
    const transport = new HttpTransport({
      baseUrl: client.baseUrl,
      headers: { cookie: owner.cookie, origin: new URL(client.baseUrl).origin },
    });
    const seeder = `seeder${process.pid}`;
    for (let start = 0; start < ITEMS; start += 500) {
      const mutations = Array.from({ length: 500 }, (_, k) => ({
        id: `seedmut${String(start + k).padStart(8, '0')}`,
        itemId: `bulk${String(start + k).padStart(8, '0')}`,
        kind: 'note' as const,
        stamp: formatStamp({ wall: Date.now(), counter: start + k, node: seeder }),
        set: { title: { v: `Note ${start + k}`, b: null } },
      }));
      await transport.push(spaceId, { clientId: seeder, mutations });
    }

    // The network drops on the fifth page: four pages are stored, and the position with them.
    const dropping = recording(transport, 5);
    const first = new SyncEngine({ db, spaceId, transport: dropping, pullLimit: PAGE });
    const seen: EngineStatus[] = [];
    first.subscribe((status) => seen.push(status));
    await first.sync();
    first.stop();
    expect(seen.at(-1)?.phase).toBe('stopped');
    const progress = seen.flatMap((status) => (status.pull ? [status.pull] : []));
    expect(progress.map((p) => p.done)).toEqual([PAGE, 2 * PAGE, 3 * PAGE, 4 * PAGE]);
    expect(new Set(progress.map((p) => p.total))).toEqual(new Set([ITEMS]));
    const stored = await syncStateOf(db, spaceId);
    expect(stored.after).toBe(4 * PAGE);
    expect((await itemsOfSpace(db, spaceId)).length).toBe(4 * PAGE);

    // The next run (after a reload, say) starts after those pages and ends with everything.
    const resumed = recording(transport);
    const second = new SyncEngine({ db, spaceId, transport: resumed, pullLimit: PAGE });
    await second.sync();
    second.stop();
    expect(resumed.afters[0]).toBe(4 * PAGE);
    expect(resumed.afters).not.toContain(0);
    const items = await itemsOfSpace(db, spaceId);
    expect(items.length).toBe(ITEMS);
    expect(new Set(items.map((item) => item.id)).size).toBe(ITEMS);
  });
});
