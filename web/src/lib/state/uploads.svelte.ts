import type { BlobInfo } from '#shared/blobs/protocol';
import type { UploadProgress } from '../blobs/uploader';
import type { FileFacts } from './file-items';

/** One upload the user started in this tab, with its progress for the header and the space view. */
export interface UploadEntry {
  id: number;
  spaceId: string;
  name: string;
  progress: UploadProgress;
  error: string | null;
  /** When the first byte went out and how many bytes the server already had then: the base of speed and time left. */
  sendingSince: { at: number; loaded: number } | null;
}

/** What a resumed upload does once its blob is stored: the space page passes `createFileItem`. */
export type OnResumed = (spaceId: string, file: FileFacts, sha256: string) => Promise<void>;

// The uploader and its helpers load with the first upload, not with the first screen.
const loadUploader = () =>
  Promise.all([
    import('../blobs/uploader'),
    import('../blobs/blob-api'),
    import('../blobs/dexie-stores'),
    import('../blobs/hasher'),
    import('../blobs/resume'),
    import('../blobs/upload-store'),
    import('../blobs/pinned'),
  ]);

/** Keeps the bytes of a file this device uploaded, so it opens offline at once (B22). */
async function keepOnDevice(
  spaceId: string,
  sha256: string,
  file: { name: string; type: string },
  bytes: Blob,
) {
  const [, { BlobApi }, { dexiePinnedTable }, , , , { OfflineBlobs }] = await loadUploader();
  await new OfflineBlobs(dexiePinnedTable)
    .keepUploaded(new BlobApi(spaceId), sha256, { name: file.name, type: file.type }, bytes)
    .catch(() => {}); // no room or no Cache Storage: the file is still in the cloud
}

/**
 * Runs `work` while holding this browser's lock on upload `key`, so that two tabs (or a resume
 * and a fresh upload of the same file) never send the same upload twice and make two items.
 * With `ifAvailable`, answers null at once when another holds it.
 */
async function withUploadLock<T>(
  key: string,
  ifAvailable: boolean,
  work: () => Promise<T>,
): Promise<T | null> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return work();
  return navigator.locks.request(`baton-upload:${key}`, { ifAvailable }, (lock) => (lock ? work() : null));
}

/**
 * Uploads in progress. The uploader (lib/blobs) does the work and remembers the multipart state
 * in IndexedDB, so a retry after a reload or a lost network resumes where it stopped.
 */
class Uploads {
  entries = $state<UploadEntry[]>([]);
  #next = 1;
  /** What each space does with a resumed upload, for resuming again when the network returns. */
  readonly #resumers = new Map<string, OnResumed>();

  constructor() {
    // A network that comes back resumes what failed while it was away, without a reload (B11).
    if (typeof window !== 'undefined')
      addEventListener('online', () => {
        for (const [spaceId, onResumed] of this.#resumers)
          if (this.entries.some((e) => e.spaceId === spaceId && e.error !== null))
            void this.resume(spaceId, onResumed);
      });
  }

  get active(): UploadEntry[] {
    return this.entries.filter((entry) => entry.progress.phase !== 'done' && entry.error === null);
  }

  /** Uploads not yet stored on the server, running or stopped by an error (the sync status counts them). */
  get pending(): UploadEntry[] {
    return this.entries.filter((entry) => entry.progress.phase !== 'done');
  }

  /** Uploads `file` to the space's blobs and answers its address; the entry stays on error for a retry. */
  async upload(spaceId: string, file: File): Promise<BlobInfo> {
    return this.#track(spaceId, file.name, file.size, async (onProgress) => {
      const [{ uploadFile }, { BlobApi }, { dexieUploadStore }, { hashFile }, , { uploadKey }] =
        await loadUploader();
      const info = await withUploadLock(uploadKey(spaceId, file), false, () =>
        uploadFile({ api: new BlobApi(spaceId), store: dexieUploadStore, file, hash: hashFile, onProgress }),
      );
      if (!info) throw new Error('The upload could not start.');
      await keepOnDevice(spaceId, info.sha256, file, file);
      return info;
    });
  }

  /**
   * Continues the space's uploads that a closed tab or a lost network left unfinished (B11), with
   * their progress in the list, and calls `onResumed` for each once its blob is stored. Uploads
   * running in this or another tab are left to it. Errors stay in the list, like a fresh upload's.
   */
  async resume(spaceId: string, onResumed: OnResumed): Promise<void> {
    this.#resumers.set(spaceId, onResumed);
    const [, { BlobApi }, { dexieUploadStore }, { hashFile }, { listResumable, resumeUpload }] =
      await loadUploader();
    const unfinished = await listResumable(dexieUploadStore, spaceId);
    await Promise.all(
      unfinished.map((upload) =>
        withUploadLock(upload.key, true, async () => {
          // Another tab may have finished it while this one waited for the list.
          if (!(await dexieUploadStore.get(upload.key))) return;
          // An earlier failed attempt at it gives way to this one.
          this.entries = this.entries.filter(
            (e) => !(e.error !== null && e.spaceId === spaceId && e.name === upload.name),
          );
          const { info } = await this.#track(spaceId, upload.name, upload.size, (onProgress) =>
            resumeUpload(upload, {
              api: new BlobApi(spaceId),
              store: dexieUploadStore,
              hash: hashFile,
              onProgress,
            }),
          );
          const facts = { name: upload.name, type: upload.type ?? '', size: upload.size };
          if (upload.file) await keepOnDevice(spaceId, info.sha256, facts, upload.file);
          await onResumed(spaceId, facts, info.sha256);
        }).catch(() => {
          // The upload list shows the error with the file's name; the record stays for next time.
        }),
      ),
    );
  }

  dismiss(id: number): void {
    this.entries = this.entries.filter((entry) => entry.id !== id);
  }

  /** Shows one upload's progress while `work` runs; removes it when done, keeps it with the error otherwise. */
  async #track<T>(
    spaceId: string,
    name: string,
    size: number,
    work: (onProgress: (progress: UploadProgress) => void) => Promise<T>,
  ): Promise<T> {
    const entry: UploadEntry = {
      id: this.#next++,
      spaceId,
      name,
      progress: { phase: 'hashing', loaded: 0, total: size },
      error: null,
      sendingSince: null,
    };
    this.entries.push(entry);
    const live = this.entries.find((e) => e.id === entry.id);
    try {
      const result = await work((progress) => {
        if (!live) return;
        if (progress.phase === 'uploading' && live.sendingSince === null)
          live.sendingSince = { at: Date.now(), loaded: progress.loaded };
        live.progress = progress;
      });
      this.entries = this.entries.filter((e) => e.id !== entry.id);
      return result;
    } catch (error) {
      if (live) live.error = error instanceof Error ? error.message : 'The upload failed.';
      throw error;
    }
  }
}

/** This tab's uploads. */
export const uploads = new Uploads();
