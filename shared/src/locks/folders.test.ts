import { describe, expect, it } from 'vitest';
import { covers, folderLockName, folderLocksOver, folderOfLock, isFolderLock } from './folders';

describe('folder lock names (L21)', () => {
  it('[L21] a name ending in / is a folder’s check-out, and maps to and from its folder', () => {
    expect(isFolderLock('designs/')).toBe(true);
    expect(isFolderLock('designs/logo.psd')).toBe(false);
    expect(folderLockName('designs/2026')).toBe('designs/2026/');
    expect(folderOfLock('designs/2026/')).toBe('designs/2026');
  });

  it('[L21] the check-outs over a folder are its own and every folder’s above it, outermost first; none over the top', () => {
    expect(folderLocksOver('a/b/c')).toEqual(['a/', 'a/b/', 'a/b/c/']);
    expect(folderLocksOver('a')).toEqual(['a/']);
    expect(folderLocksOver('')).toEqual([]);
  });

  it('[L21] a folder covers what is below it, not itself and not a folder whose name only starts the same', () => {
    expect(covers('designs/', 'designs/logo.psd')).toBe(true);
    expect(covers('designs/', 'designs/2026/')).toBe(true);
    expect(covers('designs/', 'designs/')).toBe(false);
    expect(covers('designs/', 'designs-old/logo.psd')).toBe(false);
    expect(covers('designs/', 'design')).toBe(false);
  });
});
