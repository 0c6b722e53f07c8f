import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { LOCK_NAME_MAX_LENGTH, LockNameSchema } from './name';

describe('lock names', () => {
  it.each([
    'designs/logo.psd',
    'item-01HXYZ',
    'a',
    'notes/2026/ü.md',
    'x'.repeat(LOCK_NAME_MAX_LENGTH),
    'designs/',
    'designs/2026/',
  ])('accepts %s', (name) => {
    expect(v.safeParse(LockNameSchema, name).success).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(LOCK_NAME_MAX_LENGTH + 1), 'too long'],
    ['a\u0000b', 'NUL'],
    ['a\nb', 'newline'],
    ['a\u0085b', 'C1 control'],
    ['a\\b', 'backslash'],
    [' a', 'leading space'],
    ['/abs', 'absolute'],
    ['dir//', 'two trailing slashes'],
    ['/', 'the top folder'],
    ['dir /', 'a folder ending in a space'],
    ['a//b', 'empty segment'],
    ['a/../b', 'dot-dot'],
    ['./a', 'dot'],
  ])('rejects %j (%s)', (name) => {
    expect(v.safeParse(LockNameSchema, name).success).toBe(false);
  });

  it('normalises to NFC so that NFD and NFC spellings name one lock', () => {
    const nfd = 'cafe\u0301.txt';
    expect(v.parse(LockNameSchema, nfd)).toBe('caf\u00e9.txt');
  });

  it('says what is wrong', () => {
    const result = v.safeParse(LockNameSchema, 'a//b');
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues[0]?.message).toContain('empty path segments');
  });
});
