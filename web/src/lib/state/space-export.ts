import { FILE_BLOB_FIELD, type ItemState } from '#shared/sync/item';
import { BlobApi } from '../blobs/blob-api';
import { db } from '../db/db';
import { writeEdits } from '../db/edit-writes';
import type { ImportResult } from '../export/archive';
import { buildExport, type ExportBlob, type SpaceExport } from '../export/format';
import { FIELD } from '../items/item-view';
import { itemsPort } from './items';
import { isLocalSpace } from '../spaces/space-ids';

// Export and import of a whole space. The pure parts (format, zip, CSV, validation) live in
// lib/export and are loaded on demand; this module reads and writes the device's copy.

function blobsOf(items: readonly ItemState[]): ExportBlob[] {
  const out: ExportBlob[] = [];
  for (const item of items) {
    const sha256 = item.fields[FILE_BLOB_FIELD]?.v;
    const size = item.fields[FIELD.size]?.v;
    if (item.kind === 'file' && typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256)) {
      out.push({
        sha256,
        size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : 0,
      });
    }
  }
  return out;
}

/** The space as an export (every item, deleted ones and conflict copies too, with stamps). */
export async function exportSpace(spaceId: string, name: string): Promise<SpaceExport> {
  const items = await itemsPort.list(spaceId);
  return buildExport(name, items, blobsOf(items), Date.now());
}

/** The bytes of the space's files, downloaded from the cloud (local spaces have none). */
export async function fetchBlobs(
  spaceId: string,
  data: SpaceExport,
  onProgress: (done: number, total: number) => void,
): Promise<{ blobs: Map<string, Uint8Array>; missing: number }> {
  const blobs = new Map<string, Uint8Array>();
  let missing = 0;
  if (isLocalSpace(spaceId)) return { blobs, missing: data.blobs.length };
  const api = new BlobApi(spaceId);
  for (const [index, blob] of data.blobs.entries()) {
    onProgress(index, data.blobs.length);
    try {
      const response = await api.download(blob.sha256);
      blobs.set(blob.sha256, new Uint8Array(await response.arrayBuffer()));
    } catch {
      missing += 1;
    }
  }
  onProgress(data.blobs.length, data.blobs.length);
  return { blobs, missing };
}

/** Offers `blob` to the user as a download named `name`. */
export function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file name from a space name: letters, digits and dashes. */
export function fileStem(name: string): string {
  return (
    name
      .trim()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'space'
  );
}

/**
 * Writes a checked import into the (new, empty) space `spaceId`: every item in one IndexedDB
 * transaction, so a failure leaves nothing behind. File bytes, when the export carried them,
 * are uploaded afterwards by the caller.
 */
export async function writeImport(
  spaceId: string,
  result: Extract<ImportResult, { ok: true }>,
): Promise<number> {
  const { planImport } = await import('../export/import-plan');
  const writes = planImport(result.data);
  await writeEdits(db, spaceId, writes);
  return writes.length;
}

/**
 * Publishes a local-only space: a new cloud space gets a copy of every item (same ids, values
 * and tombstones; new stamps), which the sync engine then pushes. The local space stays as it is.
 */
export async function publishSpace(
  localId: string,
  name: string,
  createCloud: (name: string) => Promise<string>,
): Promise<string> {
  const data = await exportSpace(localId, name);
  const cloudId = await createCloud(name);
  await writeImport(cloudId, { ok: true, data, blobs: new Map() });
  return cloudId;
}
