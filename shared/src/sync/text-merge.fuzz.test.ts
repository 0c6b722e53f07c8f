import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, mapCaret, mergeText } from './text-merge';

// Small alphabets make the random texts share lines, so the merges meet real overlaps.
const lineArb = fc.constantFrom('a', 'b', 'c', 'd', '', 'e e', 'f');
const textArb = fc.array(lineArb, { maxLength: 8 }).map((lines) => lines.join('\n'));
// An edit of base: some lines dropped, some changed, some inserted.
const editArb = (base: string): fc.Arbitrary<string> =>
  fc
    .array(fc.tuple(fc.constantFrom('keep', 'drop', 'change', 'insert'), lineArb), {
      minLength: base.split('\n').length,
      maxLength: base.split('\n').length,
    })
    .map((ops) => {
      const out: string[] = [];
      base.split('\n').forEach((line, index) => {
        const [op, other] = ops[index]!;
        if (op === 'keep') out.push(line);
        else if (op === 'change') out.push(`${other}${index}`);
        else if (op === 'insert') out.push(line, `new ${other}`);
      });
      return out.join('\n');
    });
const tripleArb = textArb.chain((base) => fc.tuple(fc.constant(base), editArb(base), editArb(base)));

describe('three-way text merge', () => {
  it('[S22] keeps every line either side typed: in the merged text, or in the conflict copy', () => {
    fc.assert(
      fc.property(tripleArb, ([base, mine, theirs]) => {
        const { text, conflict } = mergeText(base, mine, theirs);
        const merged = new Set(text.split('\n'));
        // The conflict copy holds `theirs` whole (S23); `mine` stays in the item.
        const copy = new Set(conflict ? theirs.split('\n') : []);
        const baseLines = new Set(base.split('\n'));
        for (const line of [...mine.split('\n'), ...theirs.split('\n')]) {
          if (baseLines.has(line)) continue; // not typed: a base line either side may delete
          expect(merged.has(line) || copy.has(line), `line ${JSON.stringify(line)} vanished`).toBe(true);
        }
        if (!conflict)
          for (const line of mine.split('\n')) if (!baseLines.has(line)) expect(merged.has(line)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('[S22] combines edits of different lines silently', () => {
    const base = 'one\ntwo\nthree\nfour';
    expect(mergeText(base, 'one A\ntwo\nthree\nfour', 'one\ntwo\nthree\nfour B')).toEqual({
      text: 'one A\ntwo\nthree\nfour B',
      conflict: false,
    });
  });

  it('[S22] keeps both lines when two people add a line at the same place', () => {
    expect(mergeText('x', 'x\nmine', 'x\ntheirs')).toEqual({ text: 'x\nmine\ntheirs', conflict: false });
  });

  it('[S23] an overlapping edit of one line keeps mine and reports the conflict', () => {
    expect(mergeText('one\ntwo', 'one\nTWO mine', 'one\ntwo theirs')).toEqual({
      text: 'one\nTWO mine',
      conflict: true,
    });
  });

  it('[S23] marks the lines two versions differ in', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc')).toEqual([
      { text: 'a', side: 'both' },
      { text: 'b', side: 'first' },
      { text: 'B', side: 'second' },
      { text: 'c', side: 'both' },
    ]);
  });

  it('[S22] a caret keeps its place when a remote edit lands before or after it', () => {
    expect(mapCaret('abc\ndef', 'abc\ndef\nmore', 2)).toBe(2);
    expect(mapCaret('abc\ndef', 'new\nabc\ndef', 5)).toBe(9);
  });
});

describe('settling copies of live typing', () => {
  it('[S22] an overlap where one side typed on after the other keeps the longer line', () => {
    expect(mergeText('one', 'one writ\nfive by B', 'one written\nfive', { extensions: true })).toEqual({
      text: 'one written\nfive by B',
      conflict: false,
    });
    expect(mergeText('one', 'one A', 'one B', { extensions: true }).conflict).toBe(true);
  });
});
