import type { BlobInfo } from '#shared/blobs/protocol';
import type { UploadProgress } from '../blobs/uploader';

/** One upload the user started in this tab, with its progress for the header and the space view. */
export interface UploadEntry {
  id: number;
  spaceId: string;
  name: string;
  progress: UploadProgress;
  error: string | null;
}

/**
 * Uploads in progress. The uploader (lib/blobs) does the work and remembers the multipart state
 * in IndexedDB, so a retry after a reload or a lost network resumes where it stopped.
 */
class Uploads {
  entries = $state<UploadEntry[]>([]);
  #next = 1;

  get active(): UploadEntry[] {
    return this.entries.filter((entry) => entry.progress.phase !== 'done' && entry.error === null);
  }

  /** Uploads `file` to the space's blobs and answers its address; the entry stays on error for a retry. */
  async upload(spaceId: string, file: File): Promise<BlobInfo> {
    const entry: UploadEntry = {
      id: this.#next++,
      spaceId,
      name: file.name,
      progress: { phase: 'hashing', loaded: 0, total: file.size },
      error: null,
    };
    this.entries.push(entry);
    const live = this.entries.find((e) => e.id === entry.id);
    try {
      // The uploader and its helpers load with the first upload, not with the first screen.
      const [{ uploadFile }, { BlobApi }, { dexieUploadStore }, { hashFile }] = await Promise.all([
        import('../blobs/uploader'),
        import('../blobs/blob-api'),
        import('../blobs/dexie-stores'),
        import('../blobs/hasher'),
      ]);
      const info = await uploadFile({
        api: new BlobApi(spaceId),
        store: dexieUploadStore,
        file,
        hash: hashFile,
        onProgress: (progress) => {
          if (live) live.progress = progress;
        },
      });
      this.entries = this.entries.filter((e) => e.id !== entry.id);
      return info;
    } catch (error) {
      if (live) live.error = error instanceof Error ? error.message : 'The upload failed.';
      throw error;
    }
  }

  dismiss(id: number): void {
    this.entries = this.entries.filter((entry) => entry.id !== id);
  }
}

/** This tab's uploads. */
export const uploads = new Uploads();
