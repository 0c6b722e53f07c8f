import type { BlobInfo } from '#shared/blobs/protocol';
import type { BlobApi } from './blob-api';
import type { UploadRecord, UploadStore } from './upload-store';
import { uploadFile, type UploadOptions } from './uploader';

/** An upload left unfinished by a closed tab or a lost network, with the file to finish it. */
export type ResumableUpload = UploadRecord & { file: Blob };

/**
 * The space's unfinished uploads that can continue without asking the user for the file again
 * (B11): the browser kept the `File` in IndexedDB. The app offers them on start, e.g. as
 * "Resume" buttons beside the upload list.
 */
export async function listResumable(store: UploadStore, spaceId: string): Promise<ResumableUpload[]> {
  const records = await store.list(spaceId);
  return records.filter(
    (record): record is ResumableUpload => record.file instanceof Blob && record.file.size === record.size,
  );
}

/**
 * Continues an unfinished upload: no re-hashing, only the parts the server lacks. Answers the
 * stored blob plus the record, whose name, type and size the caller puts on the `file` item —
 * an upload that no item points at is removed after the grace period (B12).
 */
export async function resumeUpload(
  upload: ResumableUpload,
  options: Omit<UploadOptions, 'file' | 'store' | 'recordKey' | 'api'> & { api: BlobApi; store: UploadStore },
): Promise<{ info: BlobInfo; record: ResumableUpload }> {
  const info = await uploadFile({ ...options, file: upload.file, recordKey: upload.key });
  return { info, record: upload };
}
