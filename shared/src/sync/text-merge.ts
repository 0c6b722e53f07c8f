import { diffComm } from 'node-diff3';

// Comparing two versions of a text line by line (the conflicts screen) and keeping a caret in
// place across a change. Merging is the server's, with exact edits (versions.ts, S37).

function lines(text: string): string[] {
  return text.split('\n');
}

/** One line of a two-version comparison: in both, only in the first, or only in the second. */
export interface LineDiff {
  text: string;
  side: 'both' | 'first' | 'second';
}

/** The lines of two versions of a text in order, each marked by where it appears (for highlighting). */
export function diffLines(first: string, second: string): LineDiff[] {
  const out: LineDiff[] = [];
  for (const part of diffComm(lines(first), lines(second))) {
    if (part.common) for (const text of part.common) out.push({ text, side: 'both' });
    else {
      for (const text of part.buffer1) out.push({ text, side: 'first' });
      for (const text of part.buffer2) out.push({ text, side: 'second' });
    }
  }
  return out;
}

/**
 * Where a caret at `offset` in `before` belongs in `after`, a merge of `before` with someone
 * else's edit: kept when the edit lies after it, shifted by the edit's size when it lies before.
 */
export function mapCaret(before: string, after: string, offset: number): number {
  let prefix = 0;
  const shortest = Math.min(before.length, after.length);
  while (prefix < shortest && before[prefix] === after[prefix]) prefix++;
  if (offset <= prefix) return offset;
  let suffix = 0;
  while (
    suffix < shortest - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  )
    suffix++;
  if (offset >= before.length - suffix) return after.length - (before.length - offset);
  return Math.min(offset, after.length);
}
