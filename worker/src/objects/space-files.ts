import type { BlobInfo, BlobUsage, UploadState } from '#shared/blobs/protocol';
import type { Result } from '../kernel/result';
import type { MultipartTarget, StoredPart } from '../space/blob-multipart';
import type { BlobSettings, BlobTarget, CompleteTarget, PartRef, PartTarget } from '../space/blob-schema';
import { lfsActionKey } from '../space/lfs-action-key';
import { SpaceMembers } from './space-members';

/**
 * The SpaceObject's files area: blob records, quota, uploads in flight (logic in
 * ../space/blob-*.ts; rules in docs/spec/blobs.md), and the Git LFS key (docs/spec/git-lfs.md).
 */
export class SpaceFiles extends SpaceMembers {
  blobGet(sha256: string): { size: number; key: string } | null {
    return this.blobs.get(sha256);
  }
  /** Bytes verified at a key of their own become the blob, unless the space has it (see BlobRefs.adopt). */
  blobAdopt({ sha256, size, key }: Omit<BlobTarget, 'userId'>): Promise<Result<BlobInfo>> {
    return this.blobs.adopt(sha256, size, key);
  }
  blobHas(hashes: string[]): string[] {
    return this.blobs.has(hashes);
  }
  blobUsage(): BlobUsage {
    return this.blobs.usage();
  }
  blobSettings(settings: Partial<BlobSettings>): BlobSettings {
    this.blobs.setSettings(settings);
    return this.blobs.settings();
  }
  blobBeginPut(target: BlobTarget) {
    return this.blobs.uploads.beginPut(target);
  }
  blobFinishPut(uploadId: string): Promise<Result<BlobInfo>> {
    return this.blobs.uploads.finishPut(uploadId);
  }
  blobCreateUpload(target: MultipartTarget): Promise<Result<BlobInfo | UploadState>> {
    return this.blobs.multipart.create(target);
  }
  blobUploadState(uploadId: string, userId: string): Result<UploadState> {
    return this.blobs.multipart.state(uploadId, userId);
  }
  blobPartTarget(part: PartRef & { length: number }): Result<PartTarget> {
    return this.blobs.multipart.partTarget(part);
  }
  blobRecordPart(part: StoredPart): Result<null> {
    return this.blobs.multipart.recordPart(part);
  }
  blobBeginComplete(uploadId: string, userId: string): Result<CompleteTarget> {
    return this.blobs.multipart.beginComplete(uploadId, userId);
  }
  blobReopenUpload(uploadId: string): Result<{ missing: number[] }> {
    return this.blobs.multipart.reopen(uploadId);
  }
  /** Ends a completion: `verified` bytes become the blob; otherwise the upload is forgotten (B10). */
  blobFinishComplete(completion: { uploadId: string; verified: boolean }): Promise<Result<BlobInfo>> {
    return this.blobs.multipart.finishComplete(completion);
  }
  /** Aborts the caller's upload; `userId` null is the space itself (a failed single PUT). */
  blobAbort(uploadId: string, userId: string | null): Promise<Result<null>> {
    return this.blobs.uploads.abort(uploadId, userId);
  }
  /** For the sync engine: item `itemId` now points at blob `sha256` (or at none). */
  blobSetItemRef(itemId: string, sha256: string | null): Promise<void> {
    return this.blobs.setItemRef(itemId, sha256);
  }
  /** The key that signs this space's LFS transfer actions (G3): made on first use, gone with the space. */
  lfsActionKey(): string {
    return lfsActionKey(this.ctx.storage.sql);
  }
}
