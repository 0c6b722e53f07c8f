import { describe, expect, it } from 'vitest';
import { diffLines, mapCaret } from './text-merge';

describe('comparing two versions of a text', () => {
  it('[S23] marks the lines two versions differ in', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc')).toEqual([
      { text: 'a', side: 'both' },
      { text: 'b', side: 'first' },
      { text: 'B', side: 'second' },
      { text: 'c', side: 'both' },
    ]);
  });

  it('[S22] a caret keeps its place when a change lands before or after it', () => {
    expect(mapCaret('abc\ndef', 'abc\ndef\nmore', 2)).toBe(2);
    expect(mapCaret('abc\ndef', 'new\nabc\ndef', 5)).toBe(9);
  });
});
