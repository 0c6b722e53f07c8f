import { describe, expect, it } from 'vitest';
import { formatAgo, formatCountdown, formatVia } from './format';

describe('format', () => {
  it('countdown never goes below zero and shows hours only when needed', () => {
    expect(formatCountdown(-5)).toBe('0:00');
    expect(formatCountdown(61_000)).toBe('1:01');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(3_600_000 + 5_000)).toBe('1:00:05');
  });
  it('ago', () => {
    expect(formatAgo(1000, 2000)).toBe('just now');
    expect(formatAgo(0, 5 * 60_000)).toBe('5 min ago');
    expect(formatAgo(0, 3 * 3_600_000)).toBe('3 h ago');
  });

  it('[D5] the front a check-out came from, after the holder', () => {
    expect(formatVia('webdav')).toBe(' · WebDAV');
    expect(formatVia('git-lfs')).toBe(' · Git LFS');
    expect(formatVia('app')).toBe('');
  });
});
