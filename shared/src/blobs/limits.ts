/**
 * Sizes and times that bound blob storage (docs/spec/blobs.md, B-rules). Numbers are in bytes
 * and milliseconds. The server enforces them; the client checks them first so that a file too
 * big for the space is refused before any byte is sent.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Largest file a space accepts (B7): 2 GiB, far below R2's 10,000-part limit at the default part size. */
export const MAX_FILE_BYTES = 2 * GiB;

/** Default storage per space (B8): 10 GiB of blobs plus uploads in flight. */
export const DEFAULT_SPACE_QUOTA_BYTES = 10 * GiB;

/**
 * Largest body of a single `PUT` (B3). Above this, the client uses a multipart upload, which can
 * resume; a single request keeps small files to one round trip.
 */
export const SINGLE_PUT_MAX_BYTES = 16 * MiB;

/** Smallest part R2 accepts in a multipart upload, except the last. */
export const MIN_PART_BYTES = 5 * MiB;

/** Largest part the Worker accepts, well under the Workers 100 MB request body limit. */
export const MAX_PART_BYTES = 64 * MiB;

/** Part size the client asks for unless told otherwise (B4). */
export const DEFAULT_PART_BYTES = 8 * MiB;

/** R2's limit on the number of parts in one multipart upload. */
export const MAX_PARTS = 10_000;

/** Parts the browser uploads at the same time. */
export const PARTS_IN_FLIGHT = 4;

/** How long a blob that no item has referred to yet is kept before the alarm deletes it (B12). */
export const ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * How long a blob is kept after the last item referring to it was deleted (B12): longer than the
 * 30 days a deleted item can be restored from the trash, so a restored file still opens.
 */
export const RELEASED_BLOB_GRACE_MS = 31 * 24 * 60 * 60 * 1000;

/** A multipart upload with no activity for this long is aborted and its reservation freed (B13). */
export const UPLOAD_IDLE_TTL_MS = 24 * 60 * 60 * 1000;

/** A single `PUT` that has not finished after this long is presumed dead (its Worker was lost). */
export const SINGLE_PUT_TTL_MS = 15 * 60 * 1000;

/** The number of parts a file of `size` bytes has at `partSize` bytes per part (at least 1). */
export function partCountFor(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** The byte length of part `partNumber` (1-based): `partSize`, except the last, which holds the rest. */
export function partLengthFor(size: number, partSize: number, partNumber: number): number {
  const count = partCountFor(size, partSize);
  if (partNumber < 1 || partNumber > count) return 0;
  return partNumber < count ? partSize : size - partSize * (count - 1);
}
