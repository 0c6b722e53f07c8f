import type { BlobInfo, BlobUsage } from '#shared/blobs/protocol';
import { checkQuota } from '#shared/blobs/quota';
import { fail, ok, type Result } from '../kernel/result';
import type { BlobBucket, BlobTarget, UploadRow } from './blob-schema';
import { UploadRows } from './blob-upload-rows';

/**
 * An upload its editor left this long without a part no longer keeps others out: a fresh upload
 * of the same file by another editor replaces it (B21). Far shorter than the idle limit (B13).
 */
export const UPLOAD_HANDOVER_IDLE_MS = 10 * 60_000;

/** What the uploads need from the blob records. */
export interface BlobRecords {
  existingOrBusy(sha256: string, size: number): Result<BlobInfo> | null;
  promote(upload: UploadRow): Promise<BlobInfo>;
  usage(): BlobUsage;
  get(sha256: string): { size: number } | null;
}

export const GONE = 'That upload does not exist or has expired.';

/**
 * Uploads in flight in the SpaceObject (B3, B5, B13, B21): one per hash, continued only by the
 * editor who started it. Single-request uploads are here; multipart ones in ./blob-multipart.ts,
 * which share the rows and the rules of who may continue an upload.
 */
export class BlobUploads {
  /** The upload rows, shared with the multipart uploads. */
  readonly rows: UploadRows;

  constructor(
    sql: SqlStorage,
    private readonly bucket: BlobBucket,
    private readonly now: () => number,
    private readonly records: BlobRecords,
  ) {
    this.rows = new UploadRows(sql, now);
  }

  /** Every upload, for the clean-up alarm (B13). */
  all(): UploadRow[] {
    return this.rows.all();
  }

  /** Reserves a single-request upload, or says the blob is already there (B3, B5). */
  async beginPut({
    sha256,
    size,
    key,
    userId,
  }: BlobTarget): Promise<Result<BlobInfo | { status: 'reserved'; uploadId: string }>> {
    const busy = await this.handOver(sha256, userId);
    if (busy) return busy;
    const existing = this.records.existingOrBusy(sha256, size);
    if (existing) return existing;
    const usage = this.records.usage(); // carries the configured largest file (worker/src/config.ts)
    const fits = checkQuota(usage, size, usage.maxFileBytes);
    if (!fits.ok) return fail(fits.code, fits.message);
    const uploadId = crypto.randomUUID();
    this.rows.insert(uploadId, sha256, key, size, size, 'single', 'open', userId);
    return ok({ status: 'reserved', uploadId });
  }

  /** Records a verified single-request upload as a blob. */
  async finishPut(uploadId: string): Promise<Result<BlobInfo>> {
    const upload = this.rows.upload(uploadId);
    if (!upload || upload.kind !== 'single') return fail('NOT_FOUND', 'That upload no longer exists.');
    return ok(await this.records.promote(upload));
  }

  /** Forgets the caller's upload (any upload, for the space itself: `userId` null) and drops its bytes in R2. */
  async abort(uploadId: string, userId: string | null): Promise<Result<null>> {
    const found = userId === null ? this.found(uploadId) : this.mine(uploadId, userId);
    if (!found.ok) return found;
    await this.forget(found.value);
    return ok(null);
  }

  /**
   * Another editor's upload of `sha256` keeps the caller out while it is active (UPLOAD_BUSY,
   * naming who uploads); once idle past {@link UPLOAD_HANDOVER_IDLE_MS} it is dropped, so that the
   * caller's own upload can go ahead (B21).
   */
  async handOver(sha256: string, userId: string): Promise<Result<never> | null> {
    const upload = this.rows.uploadOf(sha256);
    if (!upload || upload.created_by === userId) return null;
    if (upload.updated_at + UPLOAD_HANDOVER_IDLE_MS > this.now()) {
      return fail(
        'UPLOAD_BUSY',
        `${this.rows.nameOf(upload.created_by)} is uploading this file right now; it will be in the space when they finish.`,
      );
    }
    await this.forget(upload);
    return null;
  }

  private async forget(upload: UploadRow): Promise<void> {
    this.rows.deleteUpload(upload.upload_id);
    if (upload.kind === 'multipart' && upload.r2_upload_id !== null) {
      await this.bucket.abortMultipartUpload(upload.r2_key, upload.r2_upload_id).catch(() => undefined);
    }
    // A single PUT or a half-completed multipart may have left an object at the key; no blob owns it.
    if (this.records.get(upload.sha256) === null) await this.bucket.delete(upload.r2_key);
  }

  private found(uploadId: string): Result<UploadRow> {
    const upload = this.rows.upload(uploadId);
    return upload ? ok(upload) : fail('NOT_FOUND', GONE);
  }

  /** The upload if the caller started it (B21). */
  mine(uploadId: string, userId: string): Result<UploadRow> {
    const found = this.found(uploadId);
    if (!found.ok || found.value.created_by === userId) return found;
    return fail(
      'UPLOAD_NOT_YOURS',
      `This upload was started by ${this.rows.nameOf(found.value.created_by)}; only they can continue or abort it.`,
    );
  }
}
