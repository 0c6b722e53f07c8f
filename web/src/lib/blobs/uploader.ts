import { ERROR_REACTION, isErrorCode } from '#shared/errors';
import {
  DEFAULT_PART_BYTES,
  MAX_FILE_BYTES,
  PARTS_IN_FLIGHT,
  SINGLE_PUT_MAX_BYTES,
  partLengthFor,
} from '#shared/blobs/limits';
import type { BlobInfo, UploadState } from '#shared/blobs/protocol';
import { checkQuota } from '#shared/blobs/quota';
import { ApiRequestError } from '../api/http';
import type { BlobApi } from './blob-api';
import { hashBytes } from './hash-blob';
import { uploadKey, type UploadRecord, type UploadStore } from './upload-store';

/** Where an upload is. `loaded`/`total` are bytes hashed, or bytes the server has confirmed. */
export interface UploadProgress {
  phase: 'hashing' | 'checking' | 'uploading' | 'verifying' | 'done';
  loaded: number;
  total: number;
}

/** A file to upload: a `File` in the browser, any `Blob` with an optional name elsewhere. */
export type UploadSource = Blob & { name?: string; lastModified?: number };

/** Options of {@link uploadFile}. */
export interface UploadOptions {
  api: BlobApi;
  store: UploadStore;
  file: UploadSource;
  /** Hashes the whole file; the app passes `hashFile` (a Web Worker). */
  hash: (
    file: Blob,
    onProgress: (loaded: number, total: number) => void,
    signal?: AbortSignal,
  ) => Promise<string>;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  partsInFlight?: number;
  partSize?: number;
  /** The record to continue (resume.ts); by default the key is made from the file's name, size and date. */
  recordKey?: string;
}

const RETRIES = 4;

/**
 * Uploads a file to a space's blobs and answers its address (B1–B6, B11): hashes it (or takes the
 * hash remembered from an earlier attempt), asks whether the space has it, then sends it in one
 * request or as parts, several in flight. The multipart upload id is kept in `store`, so after a
 * reload or a lost network the upload continues with the parts the server does not have yet.
 */
export async function uploadFile(options: UploadOptions): Promise<BlobInfo> {
  const { api, store, file, signal } = options;
  const report = options.onProgress ?? (() => undefined);
  if (file.size > MAX_FILE_BYTES) {
    throw new ApiRequestError(
      'FILE_TOO_LARGE',
      `Files can be at most ${MAX_FILE_BYTES / 1024 ** 3} GiB.`,
      413,
    );
  }
  const key = options.recordKey ?? uploadKey(api.spaceId, file);
  const record: UploadRecord = (await store.get(key)) ?? {
    key,
    spaceId: api.spaceId,
    name: file.name ?? '',
    type: file.type,
    size: file.size,
    lastModified: file.lastModified ?? 0,
    file,
    updatedAt: Date.now(),
  };
  if (!record.sha256) {
    report({ phase: 'hashing', loaded: 0, total: file.size });
    record.sha256 = await options.hash(
      file,
      (loaded, total) => report({ phase: 'hashing', loaded, total }),
      signal,
    );
    await store.put({ ...record, updatedAt: Date.now() });
  }
  const sha256 = record.sha256;
  report({ phase: 'checking', loaded: 0, total: file.size });
  // Every request waits for the network when offline (withRetries), so an upload started offline
  // carries on by itself once the browser is back online.
  if ((await withRetries(() => api.has([sha256], signal), signal)).includes(sha256)) {
    await store.delete(key);
    report({ phase: 'done', loaded: file.size, total: file.size });
    return { status: 'stored', sha256, size: file.size, created: false };
  }
  try {
    if (!record.uploadId) {
      // Refuse before any byte is sent; the server checks again when the upload starts.
      const usage = await withRetries(() => api.usage(signal), signal);
      const verdict = checkQuota(usage, file.size, MAX_FILE_BYTES);
      if (!verdict.ok)
        throw new ApiRequestError(
          verdict.code,
          verdict.message,
          verdict.code === 'QUOTA_EXCEEDED' ? 507 : 413,
        );
    }
    const info =
      file.size <= SINGLE_PUT_MAX_BYTES && !record.uploadId
        ? await withRetries(
            () =>
              api.putSingle(sha256, file, signal, (sent) =>
                report({ phase: 'uploading', loaded: Math.min(sent, file.size), total: file.size }),
              ),
            signal,
          )
        : await multipart(options, record, sha256, report);
    await store.delete(key);
    report({ phase: 'done', loaded: file.size, total: file.size });
    return info;
  } catch (error) {
    // A refusal that retrying cannot change (a file that changed on disk, too large, over quota,
    // someone else's upload, a part stored with other bytes…) stops here and is shown, instead
    // of being resumed on every start (B21). Network failures and retryable codes stay for later.
    if (error instanceof ApiRequestError && isPermanent(error.code)) await store.delete(key);
    throw error;
  }
}

async function multipart(
  options: UploadOptions,
  record: UploadRecord,
  sha256: string,
  report: (progress: UploadProgress) => void,
): Promise<BlobInfo> {
  const { api, store, file, signal } = options;
  let state: UploadState | BlobInfo | undefined;
  if (record.uploadId) {
    const uploadId = record.uploadId;
    state = await withRetries(() => api.uploadState(uploadId, signal), signal).catch((error: unknown) => {
      if (error instanceof ApiRequestError && error.status === 404) return undefined; // expired: start again
      throw error;
    });
  }
  state ??= await withRetries(
    () => api.createUpload(sha256, file.size, options.partSize ?? DEFAULT_PART_BYTES, signal),
    signal,
  );
  if (state.status === 'stored') return state;
  const upload = state;
  await store.put({
    ...record,
    uploadId: upload.uploadId,
    partSize: upload.partSize,
    partsDone: upload.parts.map((p) => p.partNumber),
    updatedAt: Date.now(),
  });

  let done = new Set(upload.parts.map((part) => part.partNumber));
  let loaded = upload.parts.reduce((sum, part) => sum + part.size, 0);
  // Bytes of parts still in flight, for a bar that moves within a part on a slow network.
  const sending = new Map<number, number>();
  const inFlight = () => [...sending.values()].reduce((sum, sent) => sum + sent, 0);
  report({ phase: 'uploading', loaded, total: file.size });
  let queue = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  const sendOne = async (partNumber: number) => {
    const start = (partNumber - 1) * upload.partSize;
    const length = partLengthFor(file.size, upload.partSize, partNumber);
    const bytes = await file.slice(start, start + length).arrayBuffer();
    const partHash = await hashBytes(bytes);
    const onSent = (sent: number) => {
      sending.set(partNumber, Math.min(sent, length));
      report({ phase: 'uploading', loaded: loaded + inFlight(), total: file.size });
    };
    await withRetries(
      () => api.putPart(upload.uploadId, partNumber, bytes, partHash, signal, onSent),
      signal,
    );
    sending.delete(partNumber);
    done.add(partNumber);
    loaded += length;
    report({ phase: 'uploading', loaded: loaded + inFlight(), total: file.size });
    await store.put({
      ...record,
      uploadId: upload.uploadId,
      partSize: upload.partSize,
      partsDone: [...done],
      updatedAt: Date.now(),
    });
  };
  for (let round = 0; ; round++) {
    const lanes = Array.from({ length: Math.max(1, options.partsInFlight ?? PARTS_IN_FLIGHT) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await sendOne(next);
    });
    await Promise.all(lanes);
    report({ phase: 'verifying', loaded: file.size, total: file.size });
    try {
      return await withRetries(() => api.complete(upload.uploadId, signal), signal);
    } catch (error) {
      // The server could not assemble the parts and asks for them again (B20): once.
      if (round > 0 || !(error instanceof ApiRequestError) || error.code !== 'UPLOAD_INCOMPLETE') throw error;
      const fresh = await api.uploadState(upload.uploadId, signal);
      done = new Set(fresh.parts.map((part) => part.partNumber));
      loaded = fresh.parts.reduce((sum, part) => sum + part.size, 0);
      queue = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
    }
  }
}

/** A server refusal that the same request would meet again (its reaction is not `retry`). */
function isPermanent(code: string): boolean {
  return isErrorCode(code) && ERROR_REACTION[code] !== 'retry';
}

/**
 * Retries what the server says is worth retrying (network, 5xx, busy), with backoff and jitter.
 * While the browser is offline it waits for the network instead of spending its retries, so an
 * upload carries on by itself when the connection comes back.
 */
async function withRetries<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof ApiRequestError && error.code === 'NETWORK' && isOffline()) {
        await backOnline(signal);
        round--;
        continue;
      }
      const retryable =
        error instanceof ApiRequestError &&
        (error.code === 'NETWORK' || error.code === 'UPLOAD_BUSY' || error.status >= 500) &&
        error.code !== 'QUOTA_EXCEEDED';
      if (!retryable || round >= RETRIES) throw error;
      const wait = error.retryAfterMs ?? Math.min(8000, 250 * 2 ** round) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function isOffline(): boolean {
  return typeof navigator !== 'undefined' && 'onLine' in navigator && !navigator.onLine;
}

function backOnline(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      globalThis.removeEventListener('online', done);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      globalThis.removeEventListener('online', done);
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
    };
    globalThis.addEventListener('online', done, { once: true });
    signal?.addEventListener('abort', stop, { once: true });
  });
}
