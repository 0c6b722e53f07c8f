import { partCountFor } from '#shared/blobs/limits';
import type { UploadState } from '#shared/blobs/protocol';
import type { UploadRow } from './blob-schema';

/** The SQL of uploads in flight (`blob_uploads`, `blob_upload_parts`) for {@link BlobUploads}. */
export class UploadRows {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  all(): UploadRow[] {
    return this.sql.exec<UploadRow>('SELECT * FROM blob_uploads').toArray();
  }

  /** A member's name for messages (the members table lives in the same object). */
  nameOf(userId: string): string {
    const row = this.sql
      .exec<{ username: string }>('SELECT username FROM members WHERE user_id = ?', userId)
      .toArray()[0];
    return row?.username ?? 'another editor';
  }

  missingParts(upload: UploadRow): number[] {
    const have = new Set(this.parts(upload.upload_id).map((part) => part.part_number));
    const missing: number[] = [];
    const count = partCountFor(upload.size, upload.part_size);
    for (let n = 1; n <= count && missing.length < 50; n++) if (!have.has(n)) missing.push(n);
    return missing;
  }

  acceptedPart(uploadId: string, partNumber: number): string | null {
    return (
      this.sql
        .exec<{ sha256: string }>(
          'SELECT sha256 FROM blob_upload_parts WHERE upload_id = ? AND part_number = ?',
          uploadId,
          partNumber,
        )
        .toArray()[0]?.sha256 ?? null
    );
  }

  stateOf(upload: UploadRow): UploadState {
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

  insert(
    uploadId: string,
    sha256: string,
    key: string,
    size: number,
    partSize: number,
    kind: 'single' | 'multipart',
    phase: string,
    userId: string,
  ): void {
    this.sql.exec(
      `INSERT INTO blob_uploads (upload_id, sha256, r2_key, size, part_size, kind, phase, r2_upload_id, created_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      uploadId,
      sha256,
      key,
      size,
      partSize,
      kind,
      phase,
      userId,
      this.now(),
    );
  }

  upload(uploadId: string): UploadRow | undefined {
    return this.sql.exec<UploadRow>('SELECT * FROM blob_uploads WHERE upload_id = ?', uploadId).toArray()[0];
  }

  uploadOf(sha256: string): UploadRow | undefined {
    return this.sql.exec<UploadRow>('SELECT * FROM blob_uploads WHERE sha256 = ?', sha256).toArray()[0];
  }

  parts(uploadId: string) {
    return this.sql
      .exec<{ part_number: number; size: number; etag: string }>(
        'SELECT part_number, size, etag FROM blob_upload_parts WHERE upload_id = ? ORDER BY part_number',
        uploadId,
      )
      .toArray();
  }

  touch(uploadId: string): void {
    this.sql.exec('UPDATE blob_uploads SET updated_at = ? WHERE upload_id = ?', this.now(), uploadId);
  }

  deleteUpload(uploadId: string): void {
    this.sql.exec('DELETE FROM blob_upload_parts WHERE upload_id = ?', uploadId);
    this.sql.exec('DELETE FROM blob_uploads WHERE upload_id = ?', uploadId);
  }
}
