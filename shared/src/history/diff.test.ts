import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTexts, passageCount, restorePassage, wordDiff } from './diff';

const lines = fc
  .array(fc.constantFrom('alpha\n', 'beta\n', 'gamma delta\n', 'epsilon\n', 'zeta eta\n', '\n'), {
    maxLength: 10,
  })
  .map((parts) => parts.join(''));

describe('comparing versions (V4)', () => {
  it('[V4] unchanged lines stay whole and a changed line shows which words changed', () => {
    const compared = compareTexts('Title\nThe quick fox\nEnd\n', 'Title\nThe slow fox\nEnd\n');
    expect(compared.map((line) => line.kind)).toEqual(['same', 'removed', 'added', 'same']);
    const added = compared[2];
    expect(added?.kind === 'added' ? added.words : null).toEqual([
      { kind: 'same', text: 'The ' },
      { kind: 'added', text: 'slow' },
      { kind: 'same', text: ' fox\n' },
    ]);
  });

  it('[V4] changes separated by unchanged lines are separate passages', () => {
    const compared = compareTexts('a\nb\nc\nd\n', 'A\nb\nc\nD\n');
    expect(passageCount(compared)).toBe(2);
  });

  it('[V4] reading the lines of a comparison gives back both texts', () => {
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const compared = compareTexts(before, after);
        const left = compared.filter((line) => line.kind !== 'added').map((line) => line.text);
        const right = compared.filter((line) => line.kind !== 'removed').map((line) => line.text);
        expect(left.join('')).toBe(before);
        expect(right.join('')).toBe(after);
      }),
    );
  });

  it('[V4] the words of a line diff give back both lines', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const parts = wordDiff(a, b);
        expect(
          parts
            .filter((part) => part.kind !== 'added')
            .map((part) => part.text)
            .join(''),
        ).toBe(a);
        expect(
          parts
            .filter((part) => part.kind !== 'removed')
            .map((part) => part.text)
            .join(''),
        ).toBe(b);
      }),
    );
  });
});

describe('restoring one passage (V6)', () => {
  it('[V6] puts back one changed passage and keeps every other change made since', () => {
    const then = 'Intro\nPrice: 100\nMiddle\nSigned: Ana\n';
    const now = 'Intro\nPrice: 250\nMiddle\nSigned: Ana and Bo\n';
    expect(restorePassage(then, now, 0)).toBe('Intro\nPrice: 100\nMiddle\nSigned: Ana and Bo\n');
    expect(restorePassage(then, now, 1)).toBe('Intro\nPrice: 250\nMiddle\nSigned: Ana\n');
    expect(restorePassage(then, now, 2)).toBeNull();
  });

  it('[V6] restoring passages one after another ends at the old text', () => {
    fc.assert(
      fc.property(lines, lines, (then, now) => {
        // Each restore is compared afresh, so passages may be numbered anew; it still converges.
        let text = now;
        for (let step = 0; step < 100 && text !== then; step++) text = restorePassage(then, text, 0) ?? text;
        expect(text).toBe(then);
      }),
      {
        numRuns: 500,
        examples: [
          [
            'zeta eta\nzeta eta\nzeta eta\nalpha\nbeta\nalpha\nbeta\n',
            'alpha\nalpha\nalpha\nalpha\nbeta\nepsilon\nalpha\n',
          ],
        ],
      },
    );
  });
});
