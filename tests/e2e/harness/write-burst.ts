/**
 * Browser side of write-burst.test.ts, bundled with esbuild: the app's own write path (Dexie,
 * group commit) in a real Chromium page, exposed as `globalThis.writeBurst`.
 */
import { BatonDatabase } from '../../../web/src/lib/db/db';
import { writeEdit } from '../../../web/src/lib/db/edit-writes';

const SPACE = 'burstspace';
const itemIdOf = (i: number) => `burst${String(i).padStart(7, '0')}`;

const api = {
  /**
   * Issues edits in a loop, 200 per task, without awaiting each, until the page goes away. Each
   * edit's promise, once resolved, bumps `resolved` in sessionStorage, which survives a reload.
   */
  start(dbName: string): void {
    const db = new BatonDatabase(dbName);
    sessionStorage.setItem('resolved', '0');
    sessionStorage.setItem('order', 'kept');
    let issued = 0;
    let resolved = 0;
    const issue = () => {
      for (let n = 0; n < 200; n++) {
        const i = issued++;
        void writeEdit(db, SPACE, { itemId: itemIdOf(i), kind: 'note', values: { n: i } }).then(() => {
          if (i !== resolved) sessionStorage.setItem('order', `edit ${i} resolved as number ${resolved}`);
          sessionStorage.setItem('resolved', String(++resolved));
        });
      }
      setTimeout(issue, 0);
    };
    issue();
  },

  resolved(): number {
    return Number(sessionStorage.getItem('resolved') ?? '0');
  },

  /** What IndexedDB holds after the reload: each kept item's number, each outbox entry's item. */
  async stored(dbName: string): Promise<{ order: string; items: number[]; outbox: number[] }> {
    const db = new BatonDatabase(dbName);
    // The database is this test's own: everything in it is the burst's. Outbox in seq order.
    const items = await db.items.toArray();
    const outbox = await db.outbox.toArray();
    db.close();
    return {
      order: sessionStorage.getItem('order') ?? '',
      items: items.map((row) => Number(row.fields['n']?.v)).sort((a, b) => a - b),
      outbox: outbox.map((entry) => Number(entry.mutation.set['n']?.v)),
    };
  },
};

(globalThis as unknown as { writeBurst: typeof api }).writeBurst = api;
