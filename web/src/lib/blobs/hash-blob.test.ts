import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashBlob, hashBytes } from './hash-blob';
import { hashFile } from './hasher';

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('hashing files incrementally', () => {
  it('[B1] hashBlob agrees with node:crypto for any size and chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        async (bytes, chunk) => {
          expect(await hashBlob(new Blob([bytes]), undefined, undefined, chunk)).toBe(reference(bytes));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('[B1] reports progress up to the whole size and stops when aborted', async () => {
    const bytes = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const seen: number[] = [];
    await hashBlob(new Blob([bytes]), (loaded) => seen.push(loaded), undefined, 4096);
    expect(seen).toEqual([4096, 8192, 10_000]);
    const stop = new AbortController();
    stop.abort();
    await expect(hashBlob(new Blob([bytes]), undefined, stop.signal, 4096)).rejects.toThrow();
  });

  it('[B4] part digests match the whole-file hasher, and hashFile works without a Worker', async () => {
    const bytes = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    expect(await hashBytes(bytes.buffer)).toBe(reference(bytes));
    expect(await hashFile(new Blob([bytes]))).toBe(reference(bytes));
  });
});
