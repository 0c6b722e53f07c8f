/** Re-exported so modules outside db/ can watch queries without importing Dexie. */
export { liveQuery } from 'dexie';
import Dexie, { type EntityTable, type Table } from 'dexie';
import type { PinnedBlob } from '../blobs/pinned';
import type { UploadRecord } from '../blobs/upload-store';
import { placeMiddleware, placeOf } from './item-place';
import type { LocalItem, LocalSpace, OutboxEntry, SyncState } from './tables';

export type { LocalItem, LocalSpace, OutboxEntry, SyncState, TextMove } from './tables';

/** The app's IndexedDB database. Versions are append-only: never edit one that has shipped. */
export class BatonDatabase extends Dexie {
  spaces!: EntityTable<LocalSpace, 'id'>;
  items!: Table<LocalItem, [string, string]>;
  outbox!: EntityTable<OutboxEntry, 'seq'>;
  syncState!: EntityTable<SyncState, 'spaceId'>;
  /** Files: uploads to resume (lib/blobs/upload-store.ts) and files kept offline (lib/blobs/pinned.ts). */
  blobUploads!: EntityTable<UploadRecord, 'key'>;
  pinnedBlobs!: EntityTable<PinnedBlob, 'key'>;

  constructor(name = 'baton') {
    super(name);
    this.version(1).stores({
      spaces: 'id',
      items: 'id, spaceId, [spaceId+kind], updatedAt',
    });
    // Files (blobs engineer): resumable uploads and offline copies, keyed `${spaceId}:${sha256}` for pins.
    this.version(2).stores({
      blobUploads: 'key, spaceId',
      pinnedBlobs: 'key, spaceId, lastUsedAt',
    });
    // Sync: items become replicas keyed by [spaceId+id] (an import may reuse ids in another
    // space). IndexedDB cannot change a primary key, so version 3 drops the walking skeleton's
    // items (placeholders, never synced) and version 4 creates the new store.
    this.version(3).stores({ items: null });
    this.version(4).stores({
      items: '[spaceId+id], [spaceId+updatedAt], [spaceId+conflictOf]',
      outbox: '++seq, &mutationId, [spaceId+seq], [spaceId+state], [spaceId+itemId]',
      syncState: 'spaceId',
    });
    // Sync: the next batch is read in outbox order with one getAll, not a filtered cursor.
    this.version(5).stores({
      outbox: '++seq, &mutationId, [spaceId+seq], [spaceId+state], [spaceId+itemId], [spaceId+state+seq]',
    });
    // Text merge (S22): the text each local edit started from, until its conflict copy is merged.
    this.version(6).stores({ editBases: 'mutationId, [spaceId+itemId], spaceId' });
    // Big spaces (S27): a folder, the trash or one kind is read in pages, newest first, and
    // counted, through these indexes; rows stored before get their place once here.
    this.version(7)
      .stores({
        items:
          '[spaceId+id], [spaceId+updatedAt], [spaceId+conflictOf], [spaceId+place+updatedAt+id], [spaceId+place+kind+updatedAt+id]',
      })
      .upgrade((tx) =>
        tx
          .table<LocalItem>('items')
          .toCollection()
          .modify((row) => {
            row.place = placeOf(row);
          }),
      );
    // One merge point (S37, S39): the server keeps every version, so the texts each edit started
    // from (version 6's edit bases) are no longer kept on the device.
    this.version(8).stores({ editBases: null });
    this.use(placeMiddleware);
  }
}

/** The one database of this origin. */
export const db = new BatonDatabase();
