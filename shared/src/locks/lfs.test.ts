import { describe, expect, it } from 'vitest';
import { lfsLockId, parseLfsLockId, toLfsLock } from './lfs';

describe('Git LFS view of a lock', () => {
  it('has the id, path, owner name and locked-at time the LFS locking API needs', () => {
    const grantedAt = Date.UTC(2026, 10, 28, 4, 0, 0);
    const lock = {
      name: 'designs/logo.psd',
      holder: {
        userId: 'u1',
        username: 'alice',
        token: 7,
        kind: 'checkout' as const,
        via: 'git-lfs' as const,
        grantedAt,
        expiresAt: null,
      },
      lastToken: 7,
      queueLength: 0,
      rev: 3,
    };
    expect(toLfsLock(lock)).toEqual({
      id: '7.ZGVzaWducy9sb2dvLnBzZA',
      path: 'designs/logo.psd',
      locked_at: '2026-11-28T04:00:00.000Z',
      owner: { name: 'alice' },
    });
    expect(toLfsLock({ ...lock, holder: null })).toBeNull();
  });

  it('[G6] an id is one URL segment that names one grant, and nothing else parses as one', () => {
    const id = lfsLockId(42, 'art/ünïcode name.psd');
    expect(id).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(parseLfsLockId(id)).toEqual({ token: 42, path: 'art/ünïcode name.psd' });
    for (const bad of ['', '42', '0.YQ', '-1.YQ', '1.a/b', '1.!!', `99999999999999999.YQ`])
      expect(parseLfsLockId(bad)).toBeNull();
  });
});
