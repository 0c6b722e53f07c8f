import { describe, expect, it } from 'vitest';
import { blockedMessage } from './lock-blocked';

describe('why a check-out was refused because of another lock (L21)', () => {
  it('[L21] an item inside a checked-out folder names the folder and its holder', () => {
    expect(
      blockedMessage({ label: 'Logo', name: 'item01HXYZ' }, { label: 'designs/', name: 'designs/' }, 'alice'),
    ).toBe('“Logo” is in the folder “designs/”, checked out by alice.');
  });

  it('[L21] a folder with something checked out inside names that thing and its holder', () => {
    expect(
      blockedMessage({ label: 'designs/', name: 'designs/' }, { label: 'Logo', name: 'item01HXYZ' }, 'bob'),
    ).toBe('The folder “designs/” cannot be checked out: “Logo” inside it is checked out by bob.');
    expect(
      blockedMessage(
        { label: 'designs/', name: 'designs/' },
        { label: 'designs/2026/', name: 'designs/2026/' },
        'you',
      ),
    ).toBe(
      'The folder “designs/” cannot be checked out: the folder “designs/2026/” inside it is checked out by you.',
    );
  });

  it('[L21] a folder inside a checked-out folder names the folder above', () => {
    expect(
      blockedMessage(
        { label: 'designs/2026/', name: 'designs/2026/' },
        { label: 'designs/', name: 'designs/' },
        'alice',
      ),
    ).toBe('“designs/2026/” is in the folder “designs/”, checked out by alice.');
  });
});
