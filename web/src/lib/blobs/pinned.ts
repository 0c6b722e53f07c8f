import type { BlobApi } from './blob-api';

/** A file kept on this device (B18): pinned by the user, or kept because it was opened. */
export interface PinnedBlob {
  /** `${spaceId}:${sha256}` */
  key: string;
  spaceId: string;
  sha256: string;
  name: string;
  type: string;
  size: number;
  /** Pinned files stay until unpinned; opened ones may be evicted to free space. */
  pinned: boolean;
  cachedAt: number;
  lastUsedAt: number;
}

/** The records of kept files: the Dexie table `pinnedBlobs` in the app, a Map in tests. */
export interface PinnedTable {
  get(key: string): Promise<PinnedBlob | undefined>;
  put(record: PinnedBlob): Promise<unknown>;
  delete(key: string): Promise<void>;
  where(index: 'spaceId'): { equals(value: string): { toArray(): Promise<PinnedBlob[]> } };
}

/** Bytes of opened (not pinned) copies a space keeps on the device; older ones are evicted beyond it. */
export const OPENED_KEEP_BYTES = 512 * 1024 * 1024;

/** The Cache Storage cache holding the bytes of kept files, keyed by their download URL. */
export const BLOB_CACHE_NAME = 'baton-blobs-v1';

/** What the user sees about a file: its name and type (the blob itself has neither). */
export interface FileMeta {
  name: string;
  type: string;
}

/**
 * Offline copies of files (B18): the bytes live in Cache Storage (made for HTTP responses, it
 * stores large bodies without loading them into memory), the list in IndexedDB so the UI can show
 * and sum it live. Blobs are content-addressed, so a kept copy is never stale.
 */
export class OfflineBlobs {
  constructor(
    private readonly table: PinnedTable,
    private readonly storage: CacheStorage = globalThis.caches,
    private readonly now: () => number = Date.now,
    private readonly openedKeepBytes = OPENED_KEEP_BYTES,
  ) {}

  /** The file's bytes: from this device if kept, else downloaded and kept (as opened, not pinned). */
  async open(api: BlobApi, sha256: string, meta: FileMeta, signal?: AbortSignal): Promise<Blob> {
    const key = keyOf(api.spaceId, sha256);
    const cache = await this.storage.open(BLOB_CACHE_NAME);
    const hit = await cache.match(api.url(sha256));
    const record = await this.table.get(key);
    if (hit && record) {
      await this.table.put({ ...record, lastUsedAt: this.now() });
      return typed(await hit.blob(), meta.type);
    }
    const response = await api.download(sha256, signal);
    await cache.put(api.url(sha256), response.clone());
    const blob = await response.blob();
    await this.keep(api, sha256, meta, blob.size, record);
    return typed(blob, meta.type);
  }

  /**
   * Keeps a file this device has just uploaded (B22): its bytes are here already, so it opens
   * offline without a download. Kept as opened (not pinned), so the usual limit applies.
   */
  async keepUploaded(api: BlobApi, sha256: string, meta: FileMeta, bytes: Blob): Promise<void> {
    const cache = await this.storage.open(BLOB_CACHE_NAME);
    const headers = {
      'content-type': meta.type || 'application/octet-stream',
      'content-length': String(bytes.size),
    };
    await cache.put(api.url(sha256), new Response(bytes, { headers }));
    await this.keep(api, sha256, meta, bytes.size, await this.table.get(keyOf(api.spaceId, sha256)));
  }

  /** Lists a copy whose bytes are now in the cache (pinned stays pinned), then trims the opened ones. */
  private async keep(
    api: BlobApi,
    sha256: string,
    meta: FileMeta,
    size: number,
    record: PinnedBlob | undefined,
  ): Promise<void> {
    const key = keyOf(api.spaceId, sha256);
    const now = this.now();
    await this.table.put({
      key,
      spaceId: api.spaceId,
      sha256,
      name: meta.name,
      type: meta.type,
      size,
      pinned: record?.pinned ?? false,
      cachedAt: now,
      lastUsedAt: now,
    });
    // Opened copies are a cache: keep the device from filling up; pinned ones are never evicted.
    await this.evictOpened(api, this.openedKeepBytes, key);
  }

  /** Keeps the file on this device until unpinned, downloading it now if needed. */
  async pin(api: BlobApi, sha256: string, meta: FileMeta, signal?: AbortSignal): Promise<void> {
    await this.open(api, sha256, meta, signal);
    const key = keyOf(api.spaceId, sha256);
    const record = await this.table.get(key);
    if (record) await this.table.put({ ...record, pinned: true });
  }

  /** Drops the device copy; the file stays in the cloud. */
  async unpin(api: BlobApi, sha256: string): Promise<void> {
    const cache = await this.storage.open(BLOB_CACHE_NAME);
    await cache.delete(api.url(sha256));
    await this.table.delete(keyOf(api.spaceId, sha256));
  }

  /** Whether the file opens without the network. */
  async isKept(api: BlobApi, sha256: string): Promise<boolean> {
    const cache = await this.storage.open(BLOB_CACHE_NAME);
    return (await cache.match(api.url(sha256))) !== undefined;
  }

  /** Kept files of a space and the bytes they take on this device. */
  async usage(spaceId: string): Promise<{ files: PinnedBlob[]; bytes: number; pinnedBytes: number }> {
    const files = await this.table.where('spaceId').equals(spaceId).toArray();
    const bytes = files.reduce((sum, file) => sum + file.size, 0);
    const pinnedBytes = files.filter((file) => file.pinned).reduce((sum, file) => sum + file.size, 0);
    return { files, bytes, pinnedBytes };
  }

  /**
   * Removes the space's opened-but-unpinned copies, least recently used first, until at most
   * `keepBytes` remain (pinned copies count but are never removed; `spare` is the one just opened).
   */
  async evictOpened(api: BlobApi, keepBytes: number, spare?: string): Promise<number> {
    const { files, bytes } = await this.usage(api.spaceId);
    let total = bytes;
    let removed = 0;
    for (const file of files
      .filter((f) => !f.pinned && f.key !== spare)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
      if (total <= keepBytes) break;
      await this.unpin(api, file.sha256);
      total -= file.size;
      removed++;
    }
    return removed;
  }
}

function keyOf(spaceId: string, sha256: string): string {
  return `${spaceId}:${sha256}`;
}

// The server sends user content as octet-stream unless the type is inline-safe; the item knows the real type.
function typed(blob: Blob, type: string): Blob {
  return type && blob.type !== type ? new Blob([blob], { type }) : blob;
}
