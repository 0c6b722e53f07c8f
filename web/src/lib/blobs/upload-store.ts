/**
 * What survives a reload about an upload in progress (B11): enough to skip re-hashing and to
 * continue the server-side multipart upload. The server's list of parts is the truth; `partsDone`
 * only drives the progress bar before the first answer.
 */
export interface UploadRecord {
  /** `${spaceId}:${fingerprint}` — see {@link uploadKey}. */
  key: string;
  spaceId: string;
  name: string;
  /** The file's MIME type as the browser reported it (for the item made once the upload ends). */
  type?: string;
  size: number;
  lastModified: number;
  sha256?: string;
  uploadId?: string;
  partSize?: number;
  partsDone?: number[];
  /** The file itself where the browser can keep it (Chromium stores File snapshots in IndexedDB). */
  file?: Blob;
  updatedAt: number;
}

/** Where upload records live: IndexedDB in the app (see dexie-upload-store.ts), memory in tests. */
export interface UploadStore {
  get(key: string): Promise<UploadRecord | undefined>;
  put(record: UploadRecord): Promise<void>;
  delete(key: string): Promise<void>;
  list(spaceId: string): Promise<UploadRecord[]>;
}

/** Identifies "the same file" across reloads without reading it: name, size and modification time. */
export function uploadKey(
  spaceId: string,
  file: { name?: string; size: number; lastModified?: number },
): string {
  return `${spaceId}:${file.name ?? ''}:${file.size}:${file.lastModified ?? 0}`;
}

/** An {@link UploadStore} in memory. */
export class MemoryUploadStore implements UploadStore {
  private readonly records = new Map<string, UploadRecord>();

  get(key: string): Promise<UploadRecord | undefined> {
    const record = this.records.get(key);
    return Promise.resolve(record && { ...record });
  }

  put(record: UploadRecord): Promise<void> {
    this.records.set(record.key, { ...record });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.records.delete(key);
    return Promise.resolve();
  }

  list(spaceId: string): Promise<UploadRecord[]> {
    return Promise.resolve([...this.records.values()].filter((record) => record.spaceId === spaceId));
  }
}
