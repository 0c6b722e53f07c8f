import type { LockSummary } from './schemas';

/** A lock as the Git LFS File Locking API describes one (`id`, `path`, `locked_at`, `owner.name`). */
export interface LfsLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

/** UTF-8 bytes as unpadded base64url, so that an id is one URL path segment. */
function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64url(text: string): string | null {
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
}

/**
 * The Git LFS id of one grant: its token and its path (`<token>.<path as base64url>`), URL-safe,
 * so that an unlock by id (`POST …/locks/:id/unlock`) cannot end a later holder's lease.
 */
export function lfsLockId(token: number, path: string): string {
  return `${token}.${base64url(path)}`;
}

/** The token and path an id names, or null for anything {@link lfsLockId} did not make. */
export function parseLfsLockId(id: string): { token: number; path: string } | null {
  const match = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]+)$/.exec(id);
  if (!match) return null;
  const token = Number(match[1]);
  const path = fromBase64url(match[2] ?? '');
  return Number.isSafeInteger(token) && path !== null ? { token, path } : null;
}

/** The Git LFS view of a held lock, or null when it is free. */
export function toLfsLock(lock: LockSummary): LfsLock | null {
  if (!lock.holder) return null;
  return {
    id: lfsLockId(lock.holder.token, lock.name),
    path: lock.name,
    locked_at: new Date(lock.holder.grantedAt).toISOString(),
    owner: { name: lock.holder.username },
  };
}
