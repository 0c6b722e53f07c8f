/** A stored blob as the clean-up sees it. */
export interface CleanupBlob {
  sha256: string;
  /** When the last item referring to it went away (or when it was stored, if none ever did); null while referenced. */
  orphanSince: number | null;
  /** How long it is kept from then on. */
  graceMs: number;
}

/** An upload in flight as the clean-up sees it. */
export interface CleanupUpload {
  uploadId: string;
  sha256: string;
  /** When it stops being kept alive: last activity plus its idle limit. */
  expiresAt: number;
}

/** What one alarm run does, and when the next one is due. */
export interface CleanupPlan {
  deleteBlobs: string[];
  expireUploads: string[];
  /** The earliest future moment anything else becomes due, or null if nothing is pending. */
  nextAlarmAt: number | null;
}

/**
 * Decides which orphaned blobs and stale uploads to remove at `now` (B12, B13). A blob is
 * deleted only when it has been unreferenced for the whole grace period and no upload of the
 * same hash is in flight; an upload is expired only after its idle limit. Pure, so the rules
 * are tested with a fake clock.
 */
export function planCleanup(
  blobs: readonly CleanupBlob[],
  uploads: readonly CleanupUpload[],
  now: number,
): CleanupPlan {
  const plan: CleanupPlan = { deleteBlobs: [], expireUploads: [], nextAlarmAt: null };
  const due = (at: number) => {
    if (plan.nextAlarmAt === null || at < plan.nextAlarmAt) plan.nextAlarmAt = at;
  };
  const live = new Set<string>();
  for (const upload of uploads) {
    if (upload.expiresAt <= now) plan.expireUploads.push(upload.uploadId);
    else {
      live.add(upload.sha256);
      due(upload.expiresAt);
    }
  }
  for (const blob of blobs) {
    if (blob.orphanSince === null) continue;
    const deleteAt = blob.orphanSince + blob.graceMs;
    if (live.has(blob.sha256)) continue; // Looked at again when that upload ends.
    if (deleteAt <= now) plan.deleteBlobs.push(blob.sha256);
    else due(deleteAt);
  }
  return plan;
}
