import { describe, expect, it } from 'vitest';
import { bucketFor, DAY_MS, fillBuckets, HOUR_MS } from './activity';

describe('the activity chart (V23)', () => {
  it('[V23] a bar per hour up to two days, per day beyond', () => {
    expect(bucketFor(1)).toBe(HOUR_MS);
    expect(bucketFor(2)).toBe(HOUR_MS);
    expect(bucketFor(3)).toBe(DAY_MS);
  });

  it('[V23] every bar of the window is drawn, the empty ones too, each counted edit in its own', () => {
    const from = 10 * HOUR_MS + 1_000;
    const bars = fillBuckets({
      from,
      to: 13 * HOUR_MS + 5,
      bucketMs: HOUR_MS,
      buckets: [{ at: 12 * HOUR_MS, edits: 4 }],
    });
    expect(bars).toEqual([
      { at: 10 * HOUR_MS, edits: 0 },
      { at: 11 * HOUR_MS, edits: 0 },
      { at: 12 * HOUR_MS, edits: 4 },
      { at: 13 * HOUR_MS, edits: 0 },
    ]);
  });
});
