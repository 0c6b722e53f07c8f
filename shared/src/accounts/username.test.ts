import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { normaliseUsername, UsernameSchema, USERNAME_MAX } from './username';

describe('usernames', () => {
  it('[A2] are NFKC-normalised and case-folded, so look-alike spellings meet', () => {
    expect(normaliseUsername('Alice')).toBe('alice');
    expect(normaliseUsername('  ALICE ')).toBe('alice');
    expect(normaliseUsername('ＡＬＩＣＥ')).toBe('alice'); // full-width letters (NFKC)
    expect(normaliseUsername('Straße')).toBe(normaliseUsername('STRASSE'));
    expect(normaliseUsername('e\u0301mile')).toBe(normaliseUsername('\u00e9mile')); // combining accent
    expect(normaliseUsername('ﬁona')).toBe('fiona'); // ligature
  });

  it('[A2] are 3 to 32 characters after normalisation, counted in code points', () => {
    expect(v.safeParse(UsernameSchema, 'ab').success).toBe(false);
    expect(v.safeParse(UsernameSchema, 'abc').success).toBe(true);
    expect(v.safeParse(UsernameSchema, 'a'.repeat(USERNAME_MAX)).success).toBe(true);
    expect(v.safeParse(UsernameSchema, 'a'.repeat(USERNAME_MAX + 1)).success).toBe(false);
    expect(v.safeParse(UsernameSchema, '日本語').success).toBe(true);
  });

  it('[A2] allow letters, digits, ".", "_" and "-" only, and say so', () => {
    for (const bad of ['has space', 'semi;colon', 'emoji😀', 'tab\tname', 'zero\u200bwidth']) {
      const result = v.safeParse(UsernameSchema, bad);
      expect(result.success, bad).toBe(false);
      if (!result.success) expect(result.issues[0]?.message).toContain('letters, digits');
    }
    expect(v.parse(UsernameSchema, 'Ana-Maria_O.K')).toBe('ana-maria_o.k');
  });
});
