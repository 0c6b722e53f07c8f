/** Re-exported so modules outside db/ can watch queries without importing Dexie. */
export { liveQuery } from 'dexie';
import Dexie, { type EntityTable, type Table } from 'dexie';
import type { ItemState } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import type { TextMove } from '#shared/sync/text-moves';
import type { PinnedBlob } from '../blobs/pinned';
import type { UploadRecord } from '../blobs/upload-store';
import { placeMiddleware, placeOf } from './item-place';

/** A space as this device knows it. Local-only spaces have no cloud id yet. */
export interface LocalSpace {
  id: string;
  name: string;
  createdAt: number;
}

/**
 * An item on this device: the replica every tab reads (docs/spec/sync.md). The fields and their
 * stamps are the shared `ItemState`; `updatedAt` (wall time of the newest stamp) sorts lists, and
 * `conflictOf` indexes conflict copies (S6), which are items like any other and sync everywhere.
 */
export interface LocalItem extends ItemState {
  spaceId: string;
  updatedAt: number;
  conflictOf?: string;
  /** Where the space view lists it (live in a folder, trash, conflict copy), set on every write (S27). */
  place?: string;
  /**
   * Per text field, the last exact steps from one stored version to the next (S39), so an open
   * editor, or a write made on an older version, moves along them instead of guessing.
   */
  moves?: Record<string, TextMove[]>;
}

/** A local edit waiting to go up (S1, S2), or refused by the server and kept visible until the user acts. */
export interface OutboxEntry {
  /** Order of the edits on this device (auto-increment). */
  seq?: number;
  spaceId: string;
  mutationId: string;
  itemId: string;
  mutation: Mutation;
  /** Size of the mutation as JSON, for the batch byte bound. */
  bytes: number;
  state: 'pending' | 'rejected';
  /** Why the server refused it (state `rejected`). */
  code?: string;
  message?: string;
  createdAt: number;
}

export type { TextMove } from '#shared/sync/text-moves';

/** Where this device stands with one space's sync. */
export interface SyncState {
  spaceId: string;
  /** This device's HLC node id for the space. */
  clientId: string;
  /** The last change sequence pulled (S10). */
  after: number;
  /** The HLC's last stamp, persisted so every tab and every restart continues from it. */
  lastStamp: string | null;
  /** Server time minus local time at the last exchange, used as the HLC's physical clock (S9). */
  clockOffsetMs: number;
  lastSyncedAt: number | null;
  lastError: { code: string; message: string; at: number } | null;
}

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
