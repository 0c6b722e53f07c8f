import {
  MAX_PARTS,
  ORPHAN_GRACE_MS,
  RELEASED_BLOB_GRACE_MS,
  SINGLE_PUT_TTL_MS,
  UPLOAD_IDLE_TTL_MS,
  partCountFor,
  partLengthFor,
} from '#shared/blobs/limits';
import type { BlobInfo, BlobUsage, UploadState } from '#shared/blobs/protocol';
import type { ErrorCode } from '#shared/errors';
import { planCleanup } from '../blobs/cleanup';
import { DEFAULT_BLOB_LIMITS, type BlobLimits } from '../config';
import { checkQuota } from '#shared/blobs/quota';

/**
 * The SpaceObject's blob records (docs/spec/blobs.md): which blobs the space has, which items
 * refer to them, uploads in flight with their reserved bytes, and the alarm that removes
 * orphans after a grace period. Synchronous SQL only, except where R2 must be told.
 */

/** Appended to the SpaceObject's SCHEMA as one step. */
export const BLOB_SCHEMA_STEP = `
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY, r2_key TEXT NOT NULL, size INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'ready', created_at INTEGER NOT NULL, orphan_since INTEGER);
CREATE TABLE blob_refs (item_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE INDEX blob_refs_by_sha ON blob_refs (sha256);
CREATE TABLE blob_uploads (
  upload_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, r2_key TEXT NOT NULL,
  size INTEGER NOT NULL, part_size INTEGER NOT NULL, kind TEXT NOT NULL, phase TEXT NOT NULL,
  r2_upload_id TEXT, created_by TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE blob_upload_parts (
  upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (upload_id, part_number));
CREATE TABLE blob_settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Appended as its own step: blobs whose last item was deleted get the longer, trash-sized grace. */
export const BLOB_SCHEMA_STEP_2 = 'ALTER TABLE blobs ADD COLUMN released INTEGER NOT NULL DEFAULT 0';

/** A result the route turns into a response or an `ApiError`; RPC-safe (plain data). */
export type Outcome<T> =
  { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; details?: unknown };

/** The parts of R2 the records need: created and aborted uploads, deleted objects. */
export interface BlobBucket {
  createMultipartUpload(key: string): Promise<string>;
  abortMultipartUpload(key: string, r2UploadId: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Tunables stored per space (tests lower them; an operator could too). */
export interface BlobSettings {
  quotaBytes: number;
  /** Grace of a blob no item has referred to yet. */
  graceMs: number;
  /** Grace of a blob whose last item was deleted (at least the trash period). */
  releasedGraceMs: number;
}

/** Where the route streams one part to. */
export interface PartTarget {
  key: string;
  r2UploadId: string;
  length: number;
}

/** What the route needs to complete an upload in R2 and verify it. */
export interface CompleteTarget {
  key: string;
  r2UploadId: string;
  sha256: string;
  size: number;
  parts: { partNumber: number; etag: string }[];
}

type UploadRow = {
  upload_id: string;
  sha256: string;
  r2_key: string;
  size: number;
  part_size: number;
  kind: string;
  phase: string;
  r2_upload_id: string | null;
  updated_at: number;
};

/** A multipart upload still 'reserving' after this long lost its Worker between the reservation and R2's answer. */
const RESERVING_STALE_MS = 60_000;

/** When an R2 call in the clean-up fails, the alarm comes back this soon. */
const CLEANUP_RETRY_MS = 60_000;

const fail = (code: ErrorCode, message: string, details?: unknown) =>
  ({ ok: false, code, message, ...(details === undefined ? {} : { details }) }) as const;
const ok = <T>(value: T) => ({ ok: true, value }) as const;

/** The blob records of one space. */
export class BlobRefs {
  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: BlobBucket,
    private readonly now: () => number,
    private readonly scheduleAt: (at: number) => Promise<void>,
    private readonly limits: BlobLimits = DEFAULT_BLOB_LIMITS,
  ) {}

  settings(): BlobSettings {
    const rows = this.sql
      .exec<{ key: string; value: number }>('SELECT key, value FROM blob_settings')
      .toArray();
    const get = (key: string) => rows.find((row) => row.key === key)?.value;
    return {
      quotaBytes: get('quota_bytes') ?? this.limits.quotaBytes,
      graceMs: get('grace_ms') ?? ORPHAN_GRACE_MS,
      releasedGraceMs: get('released_grace_ms') ?? RELEASED_BLOB_GRACE_MS,
    };
  }

  setSettings(settings: Partial<BlobSettings>): void {
    const put = (key: string, value: number) =>
      this.sql.exec('INSERT OR REPLACE INTO blob_settings (key, value) VALUES (?, ?)', key, value);
    if (settings.quotaBytes !== undefined) put('quota_bytes', settings.quotaBytes);
    if (settings.graceMs !== undefined) put('grace_ms', settings.graceMs);
    if (settings.releasedGraceMs !== undefined) put('released_grace_ms', settings.releasedGraceMs);
  }

  usage(): BlobUsage {
    const blobs = this.one<{ n: number; bytes: number }>(
      "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blobs WHERE state = 'ready'",
    );
    const reserved = this.one<{ bytes: number }>('SELECT COALESCE(SUM(size), 0) AS bytes FROM blob_uploads');
    return {
      usedBytes: blobs?.bytes ?? 0,
      reservedBytes: reserved?.bytes ?? 0,
      quotaBytes: this.settings().quotaBytes,
      blobCount: blobs?.n ?? 0,
      maxFileBytes: this.limits.maxFileBytes,
    };
  }

  /** The size of a verified blob, or null when the space does not have it (B1). */
  get(sha256: string): { size: number } | null {
    return (
      this.one<{ size: number }>("SELECT size FROM blobs WHERE sha256 = ? AND state = 'ready'", sha256) ??
      null
    );
  }

  has(hashes: readonly string[]): string[] {
    return hashes.filter((sha256) => this.get(sha256) !== null);
  }

  /** Reserves a single-request upload, or says the blob is already there (B3, B5). */
  beginPut(
    sha256: string,
    size: number,
    key: string,
    userId: string,
  ): Outcome<BlobInfo | { status: 'reserved'; uploadId: string }> {
    const existing = this.existingOrBusy(sha256, size);
    if (existing) return existing;
    const fits = checkQuota(this.usage(), size, this.limits.maxFileBytes);
    if (!fits.ok) return fail(fits.code, fits.message);
    const uploadId = crypto.randomUUID();
    this.insertUpload(uploadId, sha256, key, size, size, 'single', 'open', null, userId);
    return ok({ status: 'reserved', uploadId });
  }

  /** Records a verified single-request upload as a blob. */
  async finishPut(uploadId: string): Promise<Outcome<BlobInfo>> {
    const upload = this.upload(uploadId);
    if (!upload || upload.kind !== 'single') return fail('NOT_FOUND', 'That upload no longer exists.');
    return ok(await this.promote(upload));
  }

  /** Starts or resumes the multipart upload of `sha256` (B4, B6). */
  async createUpload(
    sha256: string,
    size: number,
    partSize: number,
    key: string,
    userId: string,
  ): Promise<Outcome<BlobInfo | UploadState>> {
    const upload = this.uploadOf(sha256);
    if (upload?.kind === 'multipart' && upload.phase === 'open' && upload.size === size) {
      this.touch(upload.upload_id);
      return ok(this.stateOf(upload));
    }
    if (upload?.phase === 'reserving' && upload.updated_at + RESERVING_STALE_MS <= this.now()) {
      this.deleteUpload(upload.upload_id);
    }
    const existing = this.existingOrBusy(sha256, size);
    if (existing) return existing;
    if (partCountFor(size, partSize) > MAX_PARTS) {
      return fail(
        'VALIDATION_FAILED',
        `A file of ${size} bytes needs parts of at least ${Math.ceil(size / MAX_PARTS)} bytes.`,
      );
    }
    const fits = checkQuota(this.usage(), size, this.limits.maxFileBytes);
    if (!fits.ok) return fail(fits.code, fits.message);
    const uploadId = crypto.randomUUID();
    // Reserve before the R2 call: other requests run while it is awaited, and the UNIQUE hash keeps them out.
    this.insertUpload(uploadId, sha256, key, size, partSize, 'multipart', 'reserving', null, userId);
    try {
      const r2UploadId = await this.bucket.createMultipartUpload(key);
      this.sql.exec(
        "UPDATE blob_uploads SET r2_upload_id = ?, phase = 'open' WHERE upload_id = ?",
        r2UploadId,
        uploadId,
      );
    } catch (error) {
      this.deleteUpload(uploadId);
      throw error;
    }
    await this.scheduleAt(this.now() + UPLOAD_IDLE_TTL_MS);
    const created = this.upload(uploadId);
    if (!created) throw new Error('upload vanished after creation');
    return ok(this.stateOf(created));
  }

  state(uploadId: string): Outcome<UploadState> {
    const upload = this.upload(uploadId);
    if (!upload || upload.kind !== 'multipart')
      return fail('NOT_FOUND', 'That upload does not exist or has expired.');
    return ok(this.stateOf(upload));
  }

  /** Checks a part before its bytes are streamed: the upload is open and the length is the one expected. */
  partTarget(uploadId: string, partNumber: number, length: number): Outcome<PartTarget> {
    const upload = this.upload(uploadId);
    if (!upload || upload.kind !== 'multipart' || upload.r2_upload_id === null) {
      return fail('NOT_FOUND', 'That upload does not exist or has expired.');
    }
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
    this.touch(uploadId);
    return ok({ key: upload.r2_key, r2UploadId: upload.r2_upload_id, length: expected });
  }

  /** Records a part whose bytes R2 stored and whose digest matched. */
  recordPart(
    uploadId: string,
    partNumber: number,
    size: number,
    etag: string,
    sha256: string,
  ): Outcome<null> {
    const upload = this.upload(uploadId);
    if (!upload || upload.phase !== 'open')
      return fail('NOT_FOUND', 'That upload does not exist or has expired.');
    this.sql.exec(
      'INSERT OR REPLACE INTO blob_upload_parts (upload_id, part_number, size, etag, sha256) VALUES (?, ?, ?, ?, ?)',
      uploadId,
      partNumber,
      size,
      etag,
      sha256,
    );
    this.touch(uploadId);
    return ok(null);
  }

  /** Locks the upload for completion once every part is there (B9). A retry after a lost reply is allowed. */
  beginComplete(uploadId: string): Outcome<CompleteTarget> {
    const upload = this.upload(uploadId);
    if (!upload || upload.kind !== 'multipart' || upload.r2_upload_id === null) {
      return fail('NOT_FOUND', 'That upload does not exist or has expired.');
    }
    const parts = this.parts(uploadId);
    const count = partCountFor(upload.size, upload.part_size);
    const have = new Set(parts.map((part) => part.part_number));
    const missing: number[] = [];
    for (let n = 1; n <= count && missing.length < 50; n++) if (!have.has(n)) missing.push(n);
    if (missing.length > 0) {
      return fail('UPLOAD_INCOMPLETE', `Parts ${missing.join(', ')} have not been uploaded yet.`, {
        missing,
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

  /** Ends a completion: a verified object becomes the blob; a mismatch forgets the upload (B10). */
  async finishComplete(uploadId: string, verified: boolean): Promise<Outcome<BlobInfo>> {
    const upload = this.upload(uploadId);
    if (!upload || upload.phase !== 'completing')
      return fail('NOT_FOUND', 'That upload is not being completed.');
    if (!verified) {
      this.deleteUpload(uploadId);
      return fail(
        'HASH_MISMATCH',
        'The uploaded bytes do not have the SHA-256 the upload was started with; nothing was kept.',
      );
    }
    return ok(await this.promote(upload));
  }

  /** Forgets an upload and tells R2 to drop what it holds for it. */
  async abort(uploadId: string): Promise<Outcome<null>> {
    const upload = this.upload(uploadId);
    if (!upload) return fail('NOT_FOUND', 'That upload does not exist or has expired.');
    this.deleteUpload(uploadId);
    await this.dropUploadBytes(upload);
    return ok(null);
  }

  /**
   * Records that item `itemId` now refers to blob `sha256` (or to none). The sync engine calls
   * this when it applies a `file` item; a blob with no reference left starts its grace period.
   * All SQL runs synchronously (nothing is awaited): called right after a push is applied,
   * the references land in the same atomic write batch as the items, so a crash cannot leave a
   * referenced blob looking orphaned.
   */
  setItemRef(itemId: string, sha256: string | null): Promise<void> {
    const before = this.one<{ sha256: string }>(
      'SELECT sha256 FROM blob_refs WHERE item_id = ?',
      itemId,
    )?.sha256;
    if (before === sha256) return Promise.resolve();
    if (sha256 === null) this.sql.exec('DELETE FROM blob_refs WHERE item_id = ?', itemId);
    else this.sql.exec('INSERT OR REPLACE INTO blob_refs (item_id, sha256) VALUES (?, ?)', itemId, sha256);
    if (sha256 !== null) this.sql.exec('UPDATE blobs SET orphan_since = NULL WHERE sha256 = ?', sha256);
    if (before !== undefined && this.refCount(before) === 0) {
      this.sql.exec('UPDATE blobs SET orphan_since = ?, released = 1 WHERE sha256 = ?', this.now(), before);
      this.scheduleAt(this.now() + this.settings().releasedGraceMs).catch((error: unknown) => {
        // The next upload or alarm books it again; the orphan only lives longer.
        console.error('blobs: could not book the clean-up alarm', error);
      });
    }
    return Promise.resolve();
  }

  /** The alarm: removes orphans past their grace and stale uploads, then books the next run (B12, B13). */
  async runCleanup(): Promise<void> {
    const settings = this.settings();
    const blobs = this.sql
      .exec<{ sha256: string; orphan_since: number | null; released: number }>(
        'SELECT sha256, orphan_since, released FROM blobs',
      )
      .toArray()
      .map((row) => ({
        sha256: row.sha256,
        orphanSince: row.orphan_since,
        graceMs: row.released ? settings.releasedGraceMs : settings.graceMs,
      }));
    const uploads = this.sql
      .exec<UploadRow>('SELECT * FROM blob_uploads')
      .toArray()
      .map((row) => ({
        uploadId: row.upload_id,
        sha256: row.sha256,
        expiresAt: row.updated_at + (row.kind === 'single' ? SINGLE_PUT_TTL_MS : UPLOAD_IDLE_TTL_MS),
      }));
    const plan = planCleanup(blobs, uploads, this.now());
    let nextAlarmAt = plan.nextAlarmAt;
    // The alarm is shared with other areas: an R2 failure here is retried later, never thrown.
    const retrySoon = (error: unknown) => {
      console.error('blobs: clean-up step failed; retrying in a minute', error);
      nextAlarmAt = Math.min(nextAlarmAt ?? Infinity, this.now() + CLEANUP_RETRY_MS);
    };
    for (const uploadId of plan.expireUploads) await this.abort(uploadId).catch(retrySoon);
    for (const sha256 of plan.deleteBlobs) {
      const row = this.one<{ r2_key: string }>('SELECT r2_key FROM blobs WHERE sha256 = ?', sha256);
      if (!row) continue;
      // Hidden first, deleted in R2, then forgotten: a new upload of the same hash waits (UPLOAD_BUSY)
      // instead of racing the delete, and a crash in between is finished by the next alarm.
      this.sql.exec("UPDATE blobs SET state = 'deleting' WHERE sha256 = ?", sha256);
      try {
        await this.bucket.delete(row.r2_key);
        this.sql.exec("DELETE FROM blobs WHERE sha256 = ? AND state = 'deleting'", sha256);
      } catch (error) {
        retrySoon(error);
      }
    }
    if (nextAlarmAt !== null) await this.scheduleAt(nextAlarmAt);
  }

  /** Deletes everything the space holds in R2 (blobs, unfinished uploads): the space is being deleted. */
  async purgeAll(): Promise<void> {
    for (const upload of this.sql.exec<UploadRow>('SELECT * FROM blob_uploads').toArray()) {
      this.deleteUpload(upload.upload_id);
      await this.dropUploadBytes(upload);
    }
    for (const { sha256, r2_key } of this.sql
      .exec<{ sha256: string; r2_key: string }>('SELECT sha256, r2_key FROM blobs')
      .toArray()) {
      this.sql.exec("UPDATE blobs SET state = 'deleting' WHERE sha256 = ?", sha256);
      await this.bucket.delete(r2_key);
      this.sql.exec('DELETE FROM blobs WHERE sha256 = ?', sha256);
    }
  }

  private existingOrBusy(sha256: string, size: number): Outcome<BlobInfo> | null {
    const blob = this.one<{ size: number; state: string }>(
      'SELECT size, state FROM blobs WHERE sha256 = ?',
      sha256,
    );
    if (blob?.state === 'ready') {
      if (blob.size !== size)
        return fail('HASH_MISMATCH', `The space has this SHA-256 with ${blob.size} bytes, not ${size}.`);
      return ok({ status: 'stored', sha256, size, created: false });
    }
    if (blob) return fail('UPLOAD_BUSY', 'This blob is being removed; try again in a moment.', undefined);
    if (this.uploadOf(sha256)) return fail('UPLOAD_BUSY', 'Another upload of the same file is in progress.');
    return null;
  }

  private async promote(upload: UploadRow): Promise<BlobInfo> {
    const now = this.now();
    const referenced = this.refCount(upload.sha256) > 0;
    this.sql.exec(
      "INSERT OR REPLACE INTO blobs (sha256, r2_key, size, state, created_at, orphan_since, released) VALUES (?, ?, ?, 'ready', ?, ?, 0)",
      upload.sha256,
      upload.r2_key,
      upload.size,
      now,
      referenced ? null : now,
    );
    this.deleteUpload(upload.upload_id);
    // Stored but not yet referenced: the item that points at it usually follows within seconds.
    if (!referenced) await this.scheduleAt(now + this.settings().graceMs);
    return { status: 'stored', sha256: upload.sha256, size: upload.size, created: true };
  }

  private async dropUploadBytes(upload: UploadRow): Promise<void> {
    if (upload.kind === 'multipart' && upload.r2_upload_id !== null) {
      await this.bucket.abortMultipartUpload(upload.r2_key, upload.r2_upload_id).catch(() => undefined);
    }
    // A single PUT or a half-completed multipart may have left an object at the key; no blob owns it.
    if (this.get(upload.sha256) === null) await this.bucket.delete(upload.r2_key);
  }

  private stateOf(upload: UploadRow): UploadState {
    return {
      status: 'uploading',
      uploadId: upload.upload_id,
      sha256: upload.sha256,
      size: upload.size,
      partSize: upload.part_size,
      partCount: partCountFor(upload.size, upload.part_size),
      parts: this.parts(upload.upload_id).map((part) => ({ partNumber: part.part_number, size: part.size })),
    };
  }

  private insertUpload(
    uploadId: string,
    sha256: string,
    key: string,
    size: number,
    partSize: number,
    kind: 'single' | 'multipart',
    phase: string,
    r2UploadId: string | null,
    userId: string,
  ): void {
    this.sql.exec(
      `INSERT INTO blob_uploads (upload_id, sha256, r2_key, size, part_size, kind, phase, r2_upload_id, created_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      uploadId,
      sha256,
      key,
      size,
      partSize,
      kind,
      phase,
      r2UploadId,
      userId,
      this.now(),
    );
  }

  private upload(uploadId: string): UploadRow | undefined {
    return this.one<UploadRow>('SELECT * FROM blob_uploads WHERE upload_id = ?', uploadId);
  }

  private uploadOf(sha256: string): UploadRow | undefined {
    return this.one<UploadRow>('SELECT * FROM blob_uploads WHERE sha256 = ?', sha256);
  }

  private parts(uploadId: string) {
    return this.sql
      .exec<{ part_number: number; size: number; etag: string }>(
        'SELECT part_number, size, etag FROM blob_upload_parts WHERE upload_id = ? ORDER BY part_number',
        uploadId,
      )
      .toArray();
  }

  private touch(uploadId: string): void {
    this.sql.exec('UPDATE blob_uploads SET updated_at = ? WHERE upload_id = ?', this.now(), uploadId);
  }

  private deleteUpload(uploadId: string): void {
    this.sql.exec('DELETE FROM blob_upload_parts WHERE upload_id = ?', uploadId);
    this.sql.exec('DELETE FROM blob_uploads WHERE upload_id = ?', uploadId);
  }

  private refCount(sha256: string): number {
    return this.one<{ n: number }>('SELECT COUNT(*) AS n FROM blob_refs WHERE sha256 = ?', sha256)?.n ?? 0;
  }

  private one<T extends Record<string, SqlStorageValue>>(
    query: string,
    ...bindings: unknown[]
  ): T | undefined {
    return this.sql.exec<T>(query, ...bindings).toArray()[0];
  }
}

/** The R2 binding as a {@link BlobBucket}. */
export function r2BlobBucket(bucket: R2Bucket): BlobBucket {
  return {
    createMultipartUpload: async (key) => (await bucket.createMultipartUpload(key)).uploadId,
    abortMultipartUpload: (key, r2UploadId) => bucket.resumeMultipartUpload(key, r2UploadId).abort(),
    delete: (key) => bucket.delete(key),
  };
}
