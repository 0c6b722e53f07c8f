import { describe, expect, it } from 'vitest';
import { formatBytes } from './quota';

describe('formatBytes', () => {
  it('counts in decimal units, labelled as such', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(50_000_000)).toBe('50 MB');
  });
});
