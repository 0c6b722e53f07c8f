import {
  ORPHAN_GRACE_MS,
  RELEASED_BLOB_GRACE_MS,
  SINGLE_PUT_TTL_MS,
  UPLOAD_IDLE_TTL_MS,
} from '#shared/blobs/limits';
import type { BlobInfo, BlobUsage } from '#shared/blobs/protocol';
import { checkQuota } from '#shared/blobs/quota';
import { planCleanup } from '../blobs/cleanup';
import { DEFAULT_BLOB_LIMITS, type BlobLimits } from '../config';
import { fail, ok, type Result } from '../kernel/result';
import type { BlobBucket, BlobSettings, UploadRow } from './blob-schema';
import { MultipartUploads } from './blob-multipart';
import { BlobUploads, type BlobRecords } from './blob-uploads';

/** When an R2 call in the clean-up fails, the alarm comes back this soon. */
const CLEANUP_RETRY_MS = 60_000;

/**
 * The SpaceObject's blob records (docs/spec/blobs.md): which blobs the space has, which items
 * refer to them, and the alarm that removes orphans after a grace period and stale uploads.
 * Uploads in flight are {@link BlobUploads} and {@link MultipartUploads}. Synchronous SQL only, except where R2 must be told.
 */
export class BlobRefs implements BlobRecords {
  readonly uploads: BlobUploads;
  readonly multipart: MultipartUploads;

  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: BlobBucket,
    private readonly now: () => number,
    private readonly scheduleAt: (at: number) => Promise<void>,
    private readonly limits: BlobLimits = DEFAULT_BLOB_LIMITS,
  ) {
    this.uploads = new BlobUploads(sql, bucket, now, this);
    this.multipart = new MultipartUploads(sql, bucket, now, scheduleAt, this, this.uploads);
  }

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
    // A blob an item let go of and none refers to now is kept only for History and the trash,
    // which do not count against the quota (docs/spec/history.md V14); a fresh upload not yet
    // referred to does count, so uploads cannot overshoot the quota.
    const blobs = this.one<{ n: number; bytes: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN released = 0 OR sha256 IN (SELECT sha256 FROM blob_refs)
         THEN size ELSE 0 END), 0) AS bytes FROM blobs WHERE state = 'ready'`,
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

  /** The size and R2 key of a verified blob, or null when the space does not have it (B1). */
  get(sha256: string): { size: number; key: string } | null {
    const row = this.one<{ size: number; r2_key: string }>(
      "SELECT size, r2_key FROM blobs WHERE sha256 = ? AND state = 'ready'",
      sha256,
    );
    return row ? { size: row.size, key: row.r2_key } : null;
  }

  /**
   * Makes bytes already written and verified at a key of their own (a WebDAV PUT, whose hash is
   * known only once the last byte passed) the blob `sha256`, unless the space has it: then the
   * caller deletes its copy (`created` false). Decided in one synchronous step, so two uploads of
   * the same content at once both succeed and one copy stays (B5, D7).
   */
  async adopt(sha256: string, size: number, key: string): Promise<Result<BlobInfo>> {
    const existing = this.existingOrBusy(sha256, size);
    if (existing) return existing;
    const usage = this.usage();
    const fits = checkQuota(usage, size, usage.maxFileBytes);
    if (!fits.ok) return fail(fits.code, fits.message);
    const now = this.now();
    const referenced = this.refCount(sha256) > 0;
    this.sql.exec(
      "INSERT INTO blobs (sha256, r2_key, size, state, created_at, orphan_since, released) VALUES (?, ?, ?, 'ready', ?, ?, 0)",
      sha256,
      key,
      size,
      now,
      referenced ? null : now,
    );
    // Stored but not yet referenced: the item that points at it usually follows within seconds.
    if (!referenced) await this.scheduleAt(now + this.settings().graceMs);
    return ok({ status: 'stored', sha256, size, created: true });
  }

  has(hashes: readonly string[]): string[] {
    return hashes.filter((sha256) => this.get(sha256) !== null);
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
    const held = this.heldByHistory();
    const blobs = this.sql
      .exec<{ sha256: string; orphan_since: number | null; released: number }>(
        'SELECT sha256, orphan_since, released FROM blobs',
      )
      .toArray()
      .map((row) => ({
        sha256: row.sha256,
        orphanSince: held.has(row.sha256) ? null : row.orphan_since,
        graceMs: row.released ? settings.releasedGraceMs : settings.graceMs,
      }));
    const uploads = this.uploads.all().map((row) => ({
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
    for (const uploadId of plan.expireUploads) await this.uploads.abort(uploadId, null).catch(retrySoon);
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

  /**
   * Blobs a kept version of a live item still points at (docs/spec/history.md V15): an earlier
   * version of a file stays readable until thinning lets it go. A deleted item's versions do not
   * hold its bytes past the trash's grace (B12).
   */
  private heldByHistory(): Set<string> {
    const rows = this.sql.exec<{ sha256: string }>(
      `SELECT DISTINCT json_extract(v.value, '$') AS sha256 FROM field_versions v JOIN sync_items s ON s.id = v.item_id
       WHERE v.field = 'sha256' AND COALESCE(json_extract(s.body, '$.fields."$deleted".v'), 0) = 0`,
    );
    return new Set([...rows].map((row) => row.sha256));
  }

  /** Deletes everything the space holds in R2 (blobs, unfinished uploads): the space is being deleted. */
  async purgeAll(): Promise<void> {
    for (const upload of this.uploads.all()) await this.uploads.abort(upload.upload_id, null);
    for (const { sha256, r2_key } of this.sql
      .exec<{ sha256: string; r2_key: string }>('SELECT sha256, r2_key FROM blobs')
      .toArray()) {
      this.sql.exec("UPDATE blobs SET state = 'deleting' WHERE sha256 = ?", sha256);
      await this.bucket.delete(r2_key);
      this.sql.exec('DELETE FROM blobs WHERE sha256 = ?', sha256);
    }
  }

  /** The blob if the space has it (B5), or UPLOAD_BUSY while it is removed or uploaded (B6, B12). */
  existingOrBusy(sha256: string, size: number): Result<BlobInfo> | null {
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
    if (this.one('SELECT 1 AS x FROM blob_uploads WHERE sha256 = ?', sha256))
      return fail('UPLOAD_BUSY', 'Another upload of the same file is in progress.');
    return null;
  }

  /** Makes a verified upload the blob, in the grace period until an item points at it (B12). */
  async promote(upload: UploadRow): Promise<BlobInfo> {
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
    this.sql.exec('DELETE FROM blob_upload_parts WHERE upload_id = ?', upload.upload_id);
    this.sql.exec('DELETE FROM blob_uploads WHERE upload_id = ?', upload.upload_id);
    // Stored but not yet referenced: the item that points at it usually follows within seconds.
    if (!referenced) await this.scheduleAt(now + this.settings().graceMs);
    return { status: 'stored', sha256: upload.sha256, size: upload.size, created: true };
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
