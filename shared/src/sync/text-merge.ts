import { diff3Merge, diffComm } from 'node-diff3';

// Three-way line merge of one text field, run on the device (S22). The server never reads field
// values (S5): it keeps merging by stamps, and the device that made a concurrent write combines
// the texts here, so an encrypted space merges the same way.

/** The outcome of merging two edits of one text against the text both started from. */
export interface TextMerge {
  /** The merged text: both sides' edits, and `mine` where they overlap. */
  text: string;
  /** True when the edits overlapped: `theirs` must then be kept as a conflict copy (S23). */
  conflict: boolean;
}

function lines(text: string): string[] {
  return text.split('\n');
}

/**
 * Merges `mine` and `theirs`, both edited from `base`, line by line (diff3). Edits of different
 * lines combine; two sides inserting at the same place (nothing of `base` between them changed)
 * keep both insertions, mine first; any other overlap keeps mine and says `conflict`. With
 * `extensions`, an overlap where one side's lines each extend the other's (typing went on
 * after the other side saw it) keeps the longer lines: used to settle the server's copies of
 * live typing, whose base is only known approximately (S22).
 */
export function mergeText(
  base: string,
  mine: string,
  theirs: string,
  options: { extensions?: boolean } = {},
): TextMerge {
  if (mine === theirs || theirs === base) return { text: mine, conflict: false };
  if (mine === base) return { text: theirs, conflict: false };
  const out: string[] = [];
  let conflict = false;
  for (const region of diff3Merge(lines(mine), lines(base), lines(theirs), { excludeFalseConflicts: true })) {
    if (region.ok) out.push(...region.ok);
    else if (region.conflict) {
      const { a, o, b } = region.conflict;
      const longer = options.extensions ? extended(a, b) : null;
      if (longer) out.push(...longer);
      else {
        out.push(...a);
        if (o.length === 0) out.push(...b);
        else conflict = true;
      }
    }
  }
  return { text: out.join('\n'), conflict };
}

// Two versions of some lines where each line of one begins with the same line of the other:
// one side kept typing where the other stopped. The longer one holds both.
function extended(a: string[], b: string[]): string[] | null {
  if (a.length !== b.length) return null;
  const out: string[] = [];
  for (const [index, line] of a.entries()) {
    const other = b[index]!;
    if (line.startsWith(other)) out.push(line);
    else if (other.startsWith(line)) out.push(other);
    else return null;
  }
  return out;
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
