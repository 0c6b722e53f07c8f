import type { LockSummary } from './schemas';

/** A lock as the Git LFS File Locking API describes one (`id`, `path`, `locked_at`, `owner.name`). */
export interface LfsLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** UTF-8 bytes as unpadded base64url, so that an id is one URL path segment (plain ES: shared/ has no DOM). */
function base64url(text: string): string {
  const bytes = [...encodeURIComponent(text).matchAll(/%([0-9A-F]{2})|([^%])/g)].map((m) =>
    m[1] ? parseInt(m[1], 16) : (m[2] ?? '').charCodeAt(0),
  );
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    const chars = bytes.length - i >= 3 ? 4 : bytes.length - i + 1;
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

function fromBase64url(text: string): string | null {
  if (text.length % 4 === 1) return null;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4);
    let n = 0;
    for (let j = 0; j < 4; j++) n = (n << 6) | (j < chunk.length ? ALPHABET.indexOf(chunk[j] ?? '') : 0);
    if (n < 0) return null;
    for (let j = 0; j < chunk.length - 1; j++) bytes.push((n >> (16 - 8 * j)) & 255);
  }
  try {
    return decodeURIComponent(bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
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
