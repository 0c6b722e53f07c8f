import { BlobApi } from '../blobs/blob-api';
import { dexiePinnedTable } from '../blobs/dexie-stores';
import { OfflineBlobs, type FileMeta, type PinnedBlob } from '../blobs/pinned';
import { db } from '../db/db';

// Files kept on this device (opened before, or pinned to stay offline), for the screens: they
// read and change the copies here, never the table itself.

const offline = new OfflineBlobs(dexiePinnedTable);

/** Every file kept on this device, pinned first, then most recently used (for a LiveQuery). */
export async function listKeptFiles(): Promise<PinnedBlob[]> {
  const rows = await db.pinnedBlobs.toArray();
  return rows.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.lastUsedAt - a.lastUsedAt);
}

/** Removes the device copy of a file; it stays in the cloud. */
export async function forgetKeptFile(file: PinnedBlob): Promise<void> {
  await offline.unpin(new BlobApi(file.spaceId), file.sha256);
}

/** Whether a copy of the file is on this device (opened before, or pinned). */
export function isKeptHere(spaceId: string, sha256: string): Promise<boolean> {
  return offline.isKept(new BlobApi(spaceId), sha256);
}

/** Whether the file is pinned here: kept offline until unpinned. */
export async function isPinnedHere(spaceId: string, sha256: string): Promise<boolean> {
  return (await dexiePinnedTable.get(`${spaceId}:${sha256}`))?.pinned ?? false;
}

/** The file's bytes: the copy on this device, or downloaded (and kept). */
export function openFile(spaceId: string, sha256: string, meta: FileMeta): Promise<Blob> {
  return offline.open(new BlobApi(spaceId), sha256, meta);
}

/** Pins the file here, or unpins a pinned one; answers whether it is pinned now. */
export async function togglePinned(spaceId: string, sha256: string, meta: FileMeta): Promise<boolean> {
  const api = new BlobApi(spaceId);
  if (await isPinnedHere(spaceId, sha256)) {
    await offline.unpin(api, sha256);
    return false;
  }
  await offline.pin(api, sha256, meta);
  return true;
}
