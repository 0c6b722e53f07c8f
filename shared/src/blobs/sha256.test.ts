import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex, toHex } from './sha256';

// shared/ sees no DOM or Node types; the test runs in Node, whose WebCrypto is the reference.
interface SubtleLike {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as unknown as { crypto: { subtle: SubtleLike } }).crypto.subtle;

async function reference(data: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await subtle.digest('SHA-256', data)));
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

describe('incremental SHA-256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex(ascii(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(ascii('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    const hasher = new Sha256();
    const chunk = ascii('a'.repeat(1000));
    for (let i = 0; i < 1000; i++) hasher.update(chunk);
    expect(hasher.hexDigest()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with WebCrypto at every length around the padding boundaries', async () => {
    for (let length = 0; length <= 200; length++) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      expect(sha256Hex(data), `length ${length}`).toBe(await reference(data));
    }
  });

  it('agrees with WebCrypto on random inputs split into random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.array(fc.nat({ max: 5000 }), { maxLength: 8 }),
        async (data, cuts) => {
          const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
          const hasher = new Sha256();
          let previous = 0;
          for (const point of [...points, data.length]) {
            hasher.update(data.subarray(previous, point));
            previous = point;
          }
          expect(hasher.hexDigest()).toBe(await reference(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses to be used after digest', () => {
    const hasher = new Sha256().update(ascii('x'));
    hasher.digest();
    expect(() => hasher.update(ascii('y'))).toThrow();
    expect(() => hasher.digest()).toThrow();
  });
});
