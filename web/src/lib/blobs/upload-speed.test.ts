import { describe, expect, it } from 'vitest';
import { speedOf } from './upload-speed';

describe('upload speed and time left', () => {
  const started = { at: 10_000, loaded: 0 };
  const at = (loaded: number, phase: 'hashing' | 'uploading' | 'verifying' = 'uploading') => ({
    progress: { phase, loaded, total: 10_000_000 },
    sendingSince: started,
  });

  it('[B22] tells the speed and the time left once bytes move, from the first byte', () => {
    // 2 MB in 1 s: 2 MB/s, 8 MB left, 4 s.
    expect(speedOf(at(2_000_000), 11_000)).toMatch(/^2(\.0)? MB\/s · 4 s left$/);
  });

  it('says nothing before the first byte, in its first moment, or once the bytes are all sent', () => {
    expect(speedOf({ ...at(0), sendingSince: null }, 11_000)).toBe('');
    expect(speedOf(at(100), 10_100)).toBe('');
    expect(speedOf(at(10_000_000, 'verifying'), 20_000)).toBe('');
  });

  it('counts minutes for a long wait', () => {
    expect(speedOf(at(1_000_000), 70_000)).toMatch(/min left$/);
  });
});
