import { DEFAULT_SPACE_QUOTA_BYTES, MAX_FILE_BYTES } from '#shared/blobs/limits';
import { MAX_PUSH_BYTES } from '#shared/sync/protocol';
import type { Settings } from './env';

/**
 * Settings an operator may change through the Worker's variables (`[vars]` in wrangler.toml, or
 * the environment of the self-hosted container, docs/self-hosting.md). Each one has today's value
 * as its default, so a deployment that sets nothing behaves as before. A value that does not
 * parse is ignored for the default rather than taking the service down.
 */

/**
 * The origin browsers use to reach the app. Behind a TLS proxy the Worker sees `http://…:8787`
 * while the browser is at `https://baton.example.org`: the Origin check and the passkey relying
 * party must use the latter.
 */
export function publicOrigin(env: Settings, requestUrl: string): string {
  const configured = env.PUBLIC_ORIGIN?.trim();
  if (configured) {
    try {
      return new URL(configured).origin;
    } catch {
      // fall through to the request's own origin
    }
  }
  return new URL(requestUrl).origin;
}

/** Whether the session cookie carries `Secure` (true unless set to "false"). */
export function cookieSecure(env: Settings): boolean {
  return env.COOKIE_SECURE?.trim().toLowerCase() !== 'false';
}

function positiveInteger(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Largest push body in bytes (S-rules; default 4 MiB). */
export function maxPushBytes(env: Settings): number {
  return positiveInteger(env.MAX_PUSH_BYTES, MAX_PUSH_BYTES);
}

/** Limits of a space's files: the largest file (B7) and the default quota of a space (B8). */
export interface BlobLimits {
  maxFileBytes: number;
  quotaBytes: number;
}

export const DEFAULT_BLOB_LIMITS: BlobLimits = {
  maxFileBytes: MAX_FILE_BYTES,
  quotaBytes: DEFAULT_SPACE_QUOTA_BYTES,
};

export function blobLimits(env: Settings): BlobLimits {
  return {
    maxFileBytes: positiveInteger(env.MAX_FILE_BYTES, DEFAULT_BLOB_LIMITS.maxFileBytes),
    quotaBytes: positiveInteger(env.SPACE_QUOTA_BYTES, DEFAULT_BLOB_LIMITS.quotaBytes),
  };
}

/**
 * The contact a push service sees in the server's VAPID signature (RFC 8292 `sub`): PUSH_CONTACT
 * (a mailto: or https: URL), else the public origin when it is https, else a placeholder.
 */
export function pushContact(env: Settings): string {
  const contact = env.PUSH_CONTACT?.trim();
  if (contact && /^(mailto:|https:)/.test(contact)) return contact;
  const origin = env.PUBLIC_ORIGIN?.trim();
  return origin?.startsWith('https:') ? origin : 'mailto:admin@baton.invalid';
}
