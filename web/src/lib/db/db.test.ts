import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { BatonDatabase } from './db';

describe('the Dexie schema', () => {
  it('upgrades a walking-skeleton database (version 2) to the sync stores', async () => {
    const old = new Dexie('upgrade-test');
    old.version(1).stores({ spaces: 'id', items: 'id, spaceId, [spaceId+kind], updatedAt' });
    old.version(2).stores({ blobUploads: 'key, spaceId', pinnedBlobs: 'key, spaceId, lastUsedAt' });
    await old.table('spaces').put({ id: 'local', name: 'Mine', createdAt: 1 });
    await old
      .table('items')
      .put({ id: 'n1', spaceId: 'local', kind: 'note', title: 't', body: '', updatedAt: 1 });
    old.close();

    const db = new BatonDatabase('upgrade-test');
    await db.items.put({ spaceId: 's1', id: 'item0001', kind: 'note', fields: {}, updatedAt: 5 });
    await db.items.put({ spaceId: 's2', id: 'item0001', kind: 'note', fields: {}, updatedAt: 6 });
    expect(await db.items.count()).toBe(2);
    expect(await db.spaces.get('local')).toEqual({ id: 'local', name: 'Mine', createdAt: 1 });
    expect(db.verno).toBe(8);
    // The edit bases of version 6 went with the one merge point (S37).
    expect(db.tables.map((table) => table.name)).not.toContain('editBases');
    db.close();
    await db.delete();
  });
});
