import diff from 'fast-diff';

// How two versions of a text differ, as people read it (V4): whole lines, and inside a line
// that changed, the words. Pure; the History page and the passage restore share it, so the
// passage a person picks is the passage the server restores.

/** A run of words, the same on both sides or only on one. */
export interface WordPart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** One line of a comparison; changed lines carry their passage and, when paired, their words. */
export type DiffLine =
  | { kind: 'same'; text: string }
  | { kind: 'removed' | 'added'; text: string; passage: number; words: WordPart[] | null };

// Tokens become single characters so that fast-diff (Myers) diffs whole tokens. Code points
// start above ASCII and skip the surrogate range, which fast-diff treats specially.
const FIRST_CODE = 0x100;
const MAX_TOKENS = 0xd800 - FIRST_CODE;

function tokenDiff(a: string[], b: string[]): { kind: -1 | 0 | 1; tokens: string[] }[] {
  const codes = new Map<string, string>();
  const all: string[] = [];
  const encode = (tokens: string[]): string | null => {
    let out = '';
    for (const token of tokens) {
      let code = codes.get(token);
      if (code === undefined) {
        if (all.length >= MAX_TOKENS) return null;
        code = String.fromCharCode(FIRST_CODE + all.length);
        codes.set(token, code);
        all.push(token);
      }
      out += code;
    }
    return out;
  };
  const left = encode(a);
  const right = encode(b);
  if (left === null || right === null) {
    // Too many distinct tokens to diff: one replacement of everything.
    const whole: { kind: -1 | 0 | 1; tokens: string[] }[] = [];
    if (a.length > 0) whole.push({ kind: -1, tokens: a });
    if (b.length > 0) whole.push({ kind: 1, tokens: b });
    return whole;
  }
  return diff(left, right).map(([kind, text]) => ({
    kind,
    tokens: [...text].map((char) => all[char.charCodeAt(0) - FIRST_CODE] ?? ''),
  }));
}

/** The lines of a text, each with its line break (the last may have none). */
export function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function wordsOf(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** The word-level difference between two lines. */
export function wordDiff(before: string, after: string): WordPart[] {
  const parts: WordPart[] = [];
  for (const part of tokenDiff(wordsOf(before), wordsOf(after))) {
    const kind = part.kind === 0 ? 'same' : part.kind < 0 ? 'removed' : 'added';
    const text = part.tokens.join('');
    const last = parts.at(-1);
    if (last?.kind === kind) last.text += text;
    else if (text !== '') parts.push({ kind, text });
  }
  return parts;
}

/**
 * Compares `before` with `after` line by line. Each run of changed lines between unchanged ones
 * is one passage (numbered from 0); inside a passage the n-th removed line is paired with the
 * n-th added one and their words are compared.
 */
export function compareTexts(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let passage = -1;
  let open = false;
  const parts = tokenDiff(linesOf(before), linesOf(after));
  for (const part of parts) {
    if (part.kind === 0) {
      open = false;
      for (const text of part.tokens) lines.push({ kind: 'same', text });
      continue;
    }
    if (!open) passage += 1;
    open = true;
    const kind = part.kind < 0 ? 'removed' : 'added';
    for (const text of part.tokens) lines.push({ kind, text, passage, words: null });
  }
  pairWords(lines);
  return lines;
}

function pairWords(lines: DiffLine[]): void {
  const byPassage = new Map<number, { removed: DiffLine[]; added: DiffLine[] }>();
  for (const line of lines) {
    if (line.kind === 'same') continue;
    const group = byPassage.get(line.passage) ?? { removed: [], added: [] };
    group[line.kind].push(line);
    byPassage.set(line.passage, group);
  }
  for (const { removed, added } of byPassage.values()) {
    for (let index = 0; index < Math.min(removed.length, added.length); index++) {
      const gone = removed[index];
      const come = added[index];
      if (gone?.kind !== 'removed' || come?.kind !== 'added') continue;
      const words = wordDiff(gone.text, come.text);
      gone.words = words.filter((part) => part.kind !== 'added');
      come.words = words.filter((part) => part.kind !== 'removed');
    }
  }
}

/** How many passages differ between two texts. */
export function passageCount(lines: DiffLine[]): number {
  let count = 0;
  for (const line of lines) if (line.kind !== 'same') count = Math.max(count, line.passage + 1);
  return count;
}

/**
 * The text `after` with passage `passage` of {@link compareTexts}(`before`, `after`) put back as
 * it was in `before` (V6): a restore of one changed passage, everything else left as it is now.
 * Null when there is no such passage.
 */
export function restorePassage(before: string, after: string, passage: number): string | null {
  const lines = compareTexts(before, after);
  if (!Number.isInteger(passage) || passage < 0 || passage >= passageCount(lines)) return null;
  let out = '';
  for (const line of lines) {
    if (line.kind === 'same') out += line.text;
    else if (line.passage === passage ? line.kind === 'removed' : line.kind === 'added') out += line.text;
  }
  return out;
}
