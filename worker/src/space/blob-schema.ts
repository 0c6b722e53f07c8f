/**
 * What the SpaceObject's blob areas share (docs/spec/blobs.md): their schema steps
 * and the parts of R2 they use. Records live in ./blob-refs.ts, uploads in ./blob-uploads.ts.
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

/** Where the route streams one part to, or that the part is already stored with that digest (B19). */
export type PartTarget =
  { status: 'send'; key: string; r2UploadId: string; length: number } | { status: 'stored' };

/** What the route needs to complete an upload in R2 and verify it. */
export interface CompleteTarget {
  key: string;
  r2UploadId: string;
  sha256: string;
  size: number;
  parts: { partNumber: number; etag: string }[];
}

/** Appended as its own step: completions that failed in a row, so that a stuck one can start over (B20). */
export const BLOB_SCHEMA_STEP_3 =
  'ALTER TABLE blob_uploads ADD COLUMN failed_completions INTEGER NOT NULL DEFAULT 0';

/** A file an editor sends: its hash and size, where its bytes go in R2, and who sends it. */
export interface BlobTarget {
  sha256: string;
  size: number;
  key: string;
  userId: string;
}

/** One part of a multipart upload, as its sender names it. */
export interface PartRef {
  uploadId: string;
  partNumber: number;
  sha256: string;
  userId: string;
}

/** One row of `blob_uploads`. */
export type UploadRow = {
  upload_id: string;
  sha256: string;
  r2_key: string;
  size: number;
  part_size: number;
  kind: string;
  phase: string;
  r2_upload_id: string | null;
  created_by: string;
  updated_at: number;
  failed_completions: number;
};

/** The R2 binding as a {@link BlobBucket}. */
export function r2BlobBucket(bucket: R2Bucket): BlobBucket {
  return {
    createMultipartUpload: async (key) => (await bucket.createMultipartUpload(key)).uploadId,
    abortMultipartUpload: (key, r2UploadId) => bucket.resumeMultipartUpload(key, r2UploadId).abort(),
    delete: (key) => bucket.delete(key),
  };
}
