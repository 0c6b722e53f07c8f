import { MAX_PARTS, UPLOAD_IDLE_TTL_MS, partCountFor, partLengthFor } from '#shared/blobs/limits';
import type { BlobInfo, UploadState } from '#shared/blobs/protocol';
import { checkQuota } from '#shared/blobs/quota';
import { fail, ok, type Result } from '../kernel/result';
import type { BlobBucket, BlobTarget, CompleteTarget, PartRef, PartTarget } from './blob-schema';
import type { UploadRows } from './blob-upload-rows';
import { GONE, type BlobRecords, type BlobUploads } from './blob-uploads';

/** A multipart upload still 'reserving' after this long lost its Worker between the reservation and R2's answer. */
const RESERVING_STALE_MS = 60_000;

/** After this many failed assemblies in a row, the parts are forgotten and sent again (B20). */
const FAILED_COMPLETIONS_BEFORE_RESET = 2;

/** A file sent in parts of `partSize` bytes. */
export type MultipartTarget = BlobTarget & { partSize: number };

/** A part whose bytes R2 stored: its size and R2's etag. */
export type StoredPart = PartRef & { size: number; etag: string };

/**
 * Multipart uploads (B4, B6, B9–B11, B19, B20): parts in any order, each accepted once and never
 * replaced; completion locks the upload, and a failed assembly reopens it.
 */
export class MultipartUploads {
  private readonly rows: UploadRows;

  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: BlobBucket,
    private readonly now: () => number,
    private readonly scheduleAt: (at: number) => Promise<void>,
    private readonly records: BlobRecords,
    private readonly uploads: BlobUploads,
  ) {
    this.rows = uploads.rows;
  }

  /** Starts the multipart upload of `sha256`, or resumes the caller's own (B4, B6, B21). */
  async create({
    sha256,
    size,
    partSize,
    key,
    userId,
  }: MultipartTarget): Promise<Result<BlobInfo | UploadState>> {
    const busy = await this.uploads.handOver(sha256, userId);
    if (busy) return busy;
    const upload = this.rows.uploadOf(sha256);
    if (upload?.kind === 'multipart' && upload.phase === 'open' && upload.size === size) {
      this.rows.touch(upload.upload_id);
      return ok(this.rows.stateOf(upload));
    }
    if (upload?.phase === 'reserving' && upload.updated_at + RESERVING_STALE_MS <= this.now()) {
      this.rows.deleteUpload(upload.upload_id);
    }
    const existing = this.records.existingOrBusy(sha256, size);
    if (existing) return existing;
    if (partCountFor(size, partSize) > MAX_PARTS) {
      return fail(
        'VALIDATION_FAILED',
        `A file of ${size} bytes needs parts of at least ${Math.ceil(size / MAX_PARTS)} bytes.`,
      );
    }
    const usage = this.records.usage(); // carries the configured largest file (worker/src/config.ts)
    const fits = checkQuota(usage, size, usage.maxFileBytes);
    if (!fits.ok) return fail(fits.code, fits.message);
    const uploadId = crypto.randomUUID();
    // Reserve before the R2 call: other requests run while it is awaited, and the UNIQUE hash keeps them out.
    this.rows.insert(uploadId, sha256, key, size, partSize, 'multipart', 'reserving', userId);
    try {
      const r2UploadId = await this.bucket.createMultipartUpload(key);
      this.sql.exec(
        "UPDATE blob_uploads SET r2_upload_id = ?, phase = 'open' WHERE upload_id = ?",
        r2UploadId,
        uploadId,
      );
    } catch (error) {
      this.rows.deleteUpload(uploadId);
      throw error;
    }
    await this.scheduleAt(this.now() + UPLOAD_IDLE_TTL_MS);
    const created = this.rows.upload(uploadId);
    if (!created) throw new Error('upload vanished after creation');
    return ok(this.rows.stateOf(created));
  }

  state(uploadId: string, userId: string): Result<UploadState> {
    const found = this.uploads.mine(uploadId, userId);
    if (!found.ok) return found;
    if (found.value.kind !== 'multipart') return fail('NOT_FOUND', GONE);
    return ok(this.rows.stateOf(found.value));
  }

  /**
   * Checks a part before its bytes are streamed: the caller's open upload, the expected length,
   * and not a part already accepted (B19): the same digest again is answered as stored without
   * touching R2; another digest is refused, since an accepted part is never replaced.
   */
  partTarget({
    uploadId,
    partNumber,
    length,
    sha256,
    userId,
  }: PartRef & { length: number }): Result<PartTarget> {
    const found = this.uploads.mine(uploadId, userId);
    if (!found.ok) return found;
    const upload = found.value;
    if (upload.kind !== 'multipart' || upload.r2_upload_id === null) return fail('NOT_FOUND', GONE);
    if (upload.phase !== 'open') return fail('UPLOAD_BUSY', 'That upload is being completed.');
    const count = partCountFor(upload.size, upload.part_size);
    if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > count) {
      return fail('VALIDATION_FAILED', `Part numbers of this upload run from 1 to ${count}.`);
    }
    const expected = partLengthFor(upload.size, upload.part_size, partNumber);
    if (length !== expected) {
      return fail(
        'VALIDATION_FAILED',
        `Part ${partNumber} must be exactly ${expected} bytes, not ${length}.`,
      );
    }
    this.rows.touch(uploadId);
    const accepted = this.rows.acceptedPart(uploadId, partNumber);
    if (accepted === sha256) return ok({ status: 'stored' });
    if (accepted !== null) return fail('CONFLICT', alreadyAccepted(partNumber));
    return ok({ status: 'send', key: upload.r2_key, r2UploadId: upload.r2_upload_id, length: expected });
  }

  /** Records a part whose bytes R2 stored and whose digest matched; never over another accepted one (B19). */
  recordPart({ uploadId, partNumber, size, etag, sha256, userId }: StoredPart): Result<null> {
    const found = this.uploads.mine(uploadId, userId);
    if (!found.ok) return found;
    if (found.value.phase !== 'open') return fail('NOT_FOUND', GONE);
    const accepted = this.rows.acceptedPart(uploadId, partNumber);
    if (accepted !== null && accepted !== sha256) return fail('CONFLICT', alreadyAccepted(partNumber));
    this.sql.exec(
      'INSERT OR REPLACE INTO blob_upload_parts (upload_id, part_number, size, etag, sha256) VALUES (?, ?, ?, ?, ?)',
      uploadId,
      partNumber,
      size,
      etag,
      sha256,
    );
    this.rows.touch(uploadId);
    return ok(null);
  }

  /** Locks the upload for completion once every part is there (B9). A retry after a lost reply is allowed. */
  beginComplete(uploadId: string, userId: string): Result<CompleteTarget> {
    const found = this.uploads.mine(uploadId, userId);
    if (!found.ok) return found;
    const upload = found.value;
    if (upload.kind !== 'multipart' || upload.r2_upload_id === null) return fail('NOT_FOUND', GONE);
    const parts = this.rows.parts(uploadId);
    const missing = this.rows.missingParts(upload);
    if (missing.length > 0) {
      return fail('UPLOAD_INCOMPLETE', `Parts ${missing.join(', ')} have not been uploaded yet.`, {
        details: { missing },
      });
    }
    this.sql.exec(
      "UPDATE blob_uploads SET phase = 'completing', updated_at = ? WHERE upload_id = ?",
      this.now(),
      uploadId,
    );
    return ok({
      key: upload.r2_key,
      r2UploadId: upload.r2_upload_id,
      sha256: upload.sha256,
      size: upload.size,
      parts: parts.map((part) => ({ partNumber: part.part_number, etag: part.etag })),
    });
  }

  /**
   * R2 could not assemble the parts: the upload is open again (B20), so that completing can be
   * retried. After repeated failures its parts are forgotten, to be sent again: the missing list.
   */
  reopen(uploadId: string): Result<{ missing: number[] }> {
    const upload = this.rows.upload(uploadId);
    if (!upload || upload.phase !== 'completing')
      return fail('NOT_FOUND', 'That upload is not being completed.');
    const failures = upload.failed_completions + 1;
    const reset = failures >= FAILED_COMPLETIONS_BEFORE_RESET;
    if (reset) this.sql.exec('DELETE FROM blob_upload_parts WHERE upload_id = ?', uploadId);
    this.sql.exec(
      "UPDATE blob_uploads SET phase = 'open', failed_completions = ?, updated_at = ? WHERE upload_id = ?",
      reset ? 0 : failures,
      this.now(),
      uploadId,
    );
    return ok({ missing: reset ? this.rows.missingParts(upload) : [] });
  }

  /** Ends a completion: a verified object becomes the blob; a mismatch forgets the upload (B10). */
  async finishComplete({
    uploadId,
    verified,
  }: {
    uploadId: string;
    verified: boolean;
  }): Promise<Result<BlobInfo>> {
    const upload = this.rows.upload(uploadId);
    if (!upload || upload.phase !== 'completing')
      return fail('NOT_FOUND', 'That upload is not being completed.');
    if (!verified) {
      this.rows.deleteUpload(uploadId);
      return fail(
        'HASH_MISMATCH',
        'The uploaded bytes do not have the SHA-256 the upload was started with; nothing was kept.',
      );
    }
    return ok(await this.records.promote(upload));
  }
}

function alreadyAccepted(partNumber: number): string {
  return `Part ${partNumber} is already stored with other bytes, and an accepted part is never replaced. Check that you are sending the same file.`;
}
