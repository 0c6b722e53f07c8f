import { describe, expect, it } from 'vitest';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  PASSWORD_HASH,
  PBKDF2_PRODUCTION_MAX_ITERATIONS,
  verifyPassword,
} from '../src/accounts/password';
import { fromBase64Url, toBase64Url } from '../src/kernel/crypto';

describe('password hashing', () => {
  it('[A3] the parameters are pinned: PBKDF2-SHA256, 100,000 iterations, 16-byte salt, 32-byte key', () => {
    // Changing these is a decision, not a refactor: old hashes keep their own count (read from
    // the stored string), and production Workers reject PBKDF2 above 100,000 iterations while
    // the local runtime accepts any count — so only this test can catch a count that is too high.
    expect(PASSWORD_HASH).toEqual({
      algorithm: 'pbkdf2-sha256',
      iterations: 100_000,
      saltBytes: 16,
      keyBytes: 32,
    });
    expect(PBKDF2_PRODUCTION_MAX_ITERATIONS).toBe(100_000);
    expect(PASSWORD_HASH.iterations).toBeLessThanOrEqual(PBKDF2_PRODUCTION_MAX_ITERATIONS);
  });

  it('[A3] a hash records its parameters, salts every password afresh and verifies only the right password', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    const [algorithm, iterations, salt, key] = first.split('$');
    expect(algorithm).toBe('pbkdf2-sha256');
    expect(Number(iterations)).toBe(100_000);
    expect(fromBase64Url(salt ?? '')).toHaveLength(16);
    expect(fromBase64Url(key ?? '')).toHaveLength(32);
    expect(second).not.toBe(first);
    expect(await verifyPassword('correct horse', first)).toBe(true);
    expect(await verifyPassword('correct horse', second)).toBe(true);
    expect(await verifyPassword('Correct horse', first)).toBe(false);
    expect(await verifyPassword('', first)).toBe(false);
  });

  it('[A3] the stored hash is PBKDF2-SHA256 as WebCrypto computes it (not some other construction)', async () => {
    const stored = await hashPassword('p4ssword!');
    const [, , salt = ''] = stored.split('$');
    const material = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('p4ssword!'),
      'PBKDF2',
      false,
      ['deriveBits'],
    );
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64Url(salt), iterations: 100_000 },
      material,
      256,
    );
    expect(stored.split('$')[3]).toBe(toBase64Url(new Uint8Array(bits)));
  });

  it('[A3] a stored hash above the production cap, or of another algorithm, is never accepted', async () => {
    const good = await hashPassword('pw-123456');
    const [, , salt, key] = good.split('$');
    expect(await verifyPassword('pw-123456', `pbkdf2-sha256$100001$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword('pw-123456', `pbkdf2-sha1$100000$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword('pw-123456', 'garbage')).toBe(false);
    expect(await verifyPassword('anything', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
