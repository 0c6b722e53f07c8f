import { constantTimeEqual, fromBase64Url, toBase64Url } from '../kernel/crypto';

/**
 * Production Workers refuse PBKDF2 with more than 100,000 iterations; the local runtime does not,
 * so a test pins {@link PASSWORD_HASH} against this cap.
 * https://developers.cloudflare.com/workers/runtime-apis/web-crypto/
 */
export const PBKDF2_PRODUCTION_MAX_ITERATIONS = 100_000;

/** The password hash in use: PBKDF2-SHA256, 100,000 iterations, 16-byte salt, 32-byte key. */
export const PASSWORD_HASH = {
  algorithm: 'pbkdf2-sha256',
  iterations: 100_000,
  saltBytes: 16,
  keyBytes: 32,
} as const;

async function derive(
  password: string,
  salt: Uint8Array,
  iterations: number,
  keyBytes: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    keyBytes * 8,
  );
  return new Uint8Array(bits);
}

/** Hashes `password` with a fresh salt: `pbkdf2-sha256$<iterations>$<salt>$<key>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(PASSWORD_HASH.saltBytes));
  const key = await derive(password, salt, PASSWORD_HASH.iterations, PASSWORD_HASH.keyBytes);
  return [PASSWORD_HASH.algorithm, PASSWORD_HASH.iterations, toBase64Url(salt), toBase64Url(key)].join('$');
}

/**
 * True when `password` matches `stored`. The iteration count is read from the stored hash, so
 * hashes made with older parameters keep working; counts above the production cap are refused.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, iterationsText, saltText, keyText] = stored.split('$');
  const iterations = Number(iterationsText);
  if (algorithm !== PASSWORD_HASH.algorithm || !saltText || !keyText) return false;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_PRODUCTION_MAX_ITERATIONS)
    return false;
  const expected = fromBase64Url(keyText);
  const actual = await derive(password, fromBase64Url(saltText), iterations, expected.length);
  return constantTimeEqual(actual, expected);
}

/** A hash of a random password, verified against when a username is unknown so that timing does not tell. */
export const DUMMY_PASSWORD_HASH = `pbkdf2-sha256$100000$${'A'.repeat(22)}$${'A'.repeat(43)}`;
