import Dexie, { type EntityTable } from 'dexie';
import type { PinnedBlob } from '../blobs/pinned';
import type { UploadRecord } from '../blobs/upload-store';

/** A space as this device knows it. Local-only spaces have no cloud id yet. */
export interface LocalSpace {
  id: string;
  name: string;
  createdAt: number;
}

/** An item on this device. */
export interface LocalItem {
  id: string;
  spaceId: string;
  kind: 'note' | 'record' | 'file';
  title: string;
  body: string;
  updatedAt: number;
}

/** The app's IndexedDB database. Versions are append-only: never edit one that has shipped. */
export class BatonDatabase extends Dexie {
  spaces!: EntityTable<LocalSpace, 'id'>;
  items!: EntityTable<LocalItem, 'id'>;
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
  }
}

/** The one database of this origin. */
export const db = new BatonDatabase();
