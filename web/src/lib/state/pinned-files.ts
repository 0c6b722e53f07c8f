import { BlobApi } from '../blobs/blob-api';
import { dexiePinnedTable } from '../blobs/dexie-stores';
import { OfflineBlobs, type PinnedBlob } from '../blobs/pinned';
import { db } from '../db/db';

/** Every file kept on this device, pinned first, then most recently used (for a LiveQuery). */
export async function listKeptFiles(): Promise<PinnedBlob[]> {
  const rows = await db.pinnedBlobs.toArray();
  return rows.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.lastUsedAt - a.lastUsedAt);
}

/** Removes the device copy of a file; it stays in the cloud. */
export async function forgetKeptFile(file: PinnedBlob): Promise<void> {
  await new OfflineBlobs(dexiePinnedTable).unpin(new BlobApi(file.spaceId), file.sha256);
}
