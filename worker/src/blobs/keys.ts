import type { Sha256Hex } from '#shared/blobs/protocol';

const SAFE_SPACE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The R2 key of a blob (B2): derived only from the space id and the SHA-256, never from a
 * user-supplied name or path. Both parts are re-checked here so that no caller can smuggle a
 * `/` or `..` into the key even if validation upstream changes.
 */
export function blobKey(spaceId: string, sha256: Sha256Hex): string {
  if (!SAFE_SPACE_ID.test(spaceId)) throw new Error(`blobKey: unsafe space id ${JSON.stringify(spaceId)}`);
  if (!SHA256_HEX.test(sha256)) throw new Error('blobKey: not a lowercase hex SHA-256');
  return `spaces/${spaceId}/blobs/${sha256}`;
}

/**
 * A key of its own for bytes whose SHA-256 is known only once they are written (a WebDAV PUT):
 * random, below the space's blobs, so they are written once and need no copy to an address (D7).
 */
export function uploadKey(spaceId: string): string {
  if (!SAFE_SPACE_ID.test(spaceId)) throw new Error(`uploadKey: unsafe space id ${JSON.stringify(spaceId)}`);
  return `spaces/${spaceId}/blobs/u-${crypto.randomUUID()}`;
}

/** The strong `ETag` of a blob: its content address, so it never changes. */
export function blobEtag(sha256: Sha256Hex): string {
  return `"${sha256}"`;
}
