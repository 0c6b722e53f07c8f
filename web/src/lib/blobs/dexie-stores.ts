import { db } from '../db/db';
import type { PinnedTable } from './pinned';
import type { UploadRecord, UploadStore } from './upload-store';

/** Upload records in IndexedDB (table `blobUploads`), so an upload resumes after a reload (B11). */
export const dexieUploadStore: UploadStore = {
  get: (key) => db.blobUploads.get(key),
  put: async (record: UploadRecord) => {
    await db.blobUploads.put(record);
  },
  delete: (key) => db.blobUploads.delete(key),
  list: (spaceId) => db.blobUploads.where('spaceId').equals(spaceId).toArray(),
};

/** The `pinnedBlobs` table as the offline-copies list. */
export const dexiePinnedTable: PinnedTable = db.pinnedBlobs;
