import diff from 'fast-diff';
import * as v from 'valibot';

// Character-level edits of one text, as operations over the whole of it (the shape of ot.js):
// a positive number keeps that many characters, a negative number deletes that many, a string
// inserts itself. The server's version store keeps the exact operation between two versions
// where it merged them, so a later write can be moved onto the current text without guessing
// where the other side's characters went (docs/spec/sync.md S36–S38).

/** One step of a {@link TextOp}: keep `n` (n > 0), delete `-n` (n < 0), or insert the string. */
export type TextOpPart = number | string;

/** An edit of a whole text, read from its start to its end. */
export type TextOp = TextOpPart[];

/** A {@link TextOp} on the wire. */
export const TextOpSchema = v.array(
  v.union([
    v.pipe(
      v.number(),
      v.integer(),
      v.check((n) => n !== 0, 'A step of 0 characters'),
    ),
    v.string(),
  ]),
);

class OpBuilder {
  readonly parts: TextOp = [];

  keep(n: number): void {
    if (n <= 0) return;
    const last = this.parts.at(-1);
    if (typeof last === 'number' && last > 0) this.parts[this.parts.length - 1] = last + n;
    else this.parts.push(n);
  }

  remove(n: number): void {
    if (n <= 0) return;
    const last = this.parts.at(-1);
    if (typeof last === 'number' && last < 0) this.parts[this.parts.length - 1] = last - n;
    else this.parts.push(-n);
  }

  insert(text: string): void {
    if (text === '') return;
    const last = this.parts.at(-1);
    // Inserts go before deletes at one place, so equal edits have one spelling.
    if (typeof last === 'number' && last < 0) {
      const before = this.parts.at(-2);
      if (typeof before === 'string') this.parts[this.parts.length - 2] = before + text;
      else this.parts.splice(this.parts.length - 1, 0, text);
      return;
    }
    if (typeof last === 'string') this.parts[this.parts.length - 1] = last + text;
    else this.parts.push(text);
  }
}

/**
 * The edit that turns `from` into `to` (Myers' diff via fast-diff: common ends first). With
 * `semantic`, letters two words share by chance are not kept (diff-match-patch's semantic
 * cleanup), so a replaced word is one change, never a weave of the two words' letters.
 */
export function opBetween(from: string, to: string, semantic = false): TextOp {
  const out = new OpBuilder();
  if (from === to) {
    out.keep(from.length);
    return out.parts;
  }
  for (const [kind, text] of diff(from, to, undefined, semantic)) {
    if (kind === diff.EQUAL) out.keep(text.length);
    else if (kind === diff.DELETE) out.remove(text.length);
    else out.insert(text);
  }
  return out.parts;
}

/** The length of the text an edit applies to. */
export function inputLength(op: TextOp): number {
  let length = 0;
  for (const part of op) if (typeof part === 'number') length += Math.abs(part);
  return length;
}

/** Applies an edit; throws when it does not fit the text (a broken invariant, never user input). */
export function applyOp(text: string, op: TextOp): string {
  if (inputLength(op) !== text.length) throw new Error('Text edit does not fit the text it is applied to');
  let at = 0;
  const out: string[] = [];
  for (const part of op) {
    if (typeof part === 'string') out.push(part);
    else if (part > 0) {
      out.push(text.slice(at, at + part));
      at += part;
    } else at -= part;
  }
  return out.join('');
}

/** A reader of an edit's parts that can take part of a step at a time. */
class OpCursor {
  private index = 0;
  private used = 0;

  constructor(private readonly op: TextOp) {}

  /** The current step with what is left of it, or undefined at the end. */
  peek(): TextOpPart | undefined {
    const part = this.op[this.index];
    if (part === undefined) return undefined;
    if (typeof part === 'string') return part.slice(this.used);
    return part > 0 ? part - this.used : part + this.used;
  }

  /** Takes `n` characters of the current step (all of it when n is undefined). */
  take(n?: number): TextOpPart {
    const part = this.peek()!;
    const size = typeof part === 'string' ? part.length : Math.abs(part);
    const taken = n === undefined ? size : Math.min(n, size);
    const out = typeof part === 'string' ? part.slice(0, taken) : part > 0 ? taken : -taken;
    this.used += taken;
    if (this.used >= sizeOf(this.op[this.index]!)) {
      this.index += 1;
      this.used = 0;
    }
    return out;
  }
}

function sizeOf(part: TextOpPart): number {
  return typeof part === 'string' ? part.length : Math.abs(part);
}

/** One edit after the other, as a single edit: `applyOp(applyOp(t, a), b) === applyOp(t, compose(a, b))`. */
export function composeOps(a: TextOp, b: TextOp): TextOp {
  const out = new OpBuilder();
  const first = new OpCursor(a);
  const second = new OpCursor(b);
  for (;;) {
    const x = first.peek();
    const y = second.peek();
    if (x === undefined && y === undefined) break;
    if (typeof x === 'number' && x < 0) {
      out.remove(-(first.take() as number));
      continue;
    }
    if (typeof y === 'string') {
      out.insert(second.take() as string);
      continue;
    }
    if (x === undefined || y === undefined) throw new Error('Text edits of different lengths');
    const n = Math.min(sizeOf(x), sizeOf(y));
    const left = first.take(n);
    const right = second.take(n) as number;
    if (right < 0) {
      if (typeof left !== 'string') out.remove(n);
    } else if (typeof left === 'string') out.insert(left);
    else out.keep(n);
  }
  return out.parts;
}

/**
 * Both edits of one text, each moved past the other: `mine` applies after `theirs` as `mine'`,
 * `theirs` after `mine` as `theirs'`, and both orders end in the same text. Where both insert at
 * one place, `mine` comes first: a write moved onto the current text keeps its characters right
 * after the character they followed in its own text, so a line being typed stays whole. Where
 * both delete a character, it is deleted once.
 */
export function transformOps(mine: TextOp, theirs: TextOp): { mine: TextOp; theirs: TextOp } {
  const mineOut = new OpBuilder();
  const theirsOut = new OpBuilder();
  const a = new OpCursor(mine);
  const b = new OpCursor(theirs);
  for (;;) {
    const x = a.peek();
    const y = b.peek();
    if (x === undefined && y === undefined) break;
    if (typeof x === 'string') {
      const text = a.take() as string;
      mineOut.insert(text);
      theirsOut.keep(text.length);
      continue;
    }
    if (typeof y === 'string') {
      const text = b.take() as string;
      theirsOut.insert(text);
      mineOut.keep(text.length);
      continue;
    }
    if (x === undefined || y === undefined) throw new Error('Text edits of different lengths');
    const n = Math.min(Math.abs(x), Math.abs(y));
    const left = a.take(n) as number;
    const right = b.take(n) as number;
    if (left > 0 && right > 0) {
      mineOut.keep(n);
      theirsOut.keep(n);
    } else if (left < 0 && right > 0) mineOut.remove(n);
    else if (left > 0 && right < 0) theirsOut.remove(n);
    // Both deleted these characters: nothing left to do on either side.
  }
  return { mine: mineOut.parts, theirs: theirsOut.parts };
}

/** One change of an edit: the characters `[start, end)` of the text replaced by `text`. */
export interface Hunk {
  start: number;
  end: number;
  text: string;
}

/** The changes of an edit, in order, in the coordinates of the text it applies to. */
export function hunksOf(op: TextOp): Hunk[] {
  const hunks: Hunk[] = [];
  let at = 0;
  let open: Hunk | null = null;
  for (const part of op) {
    if (typeof part === 'number' && part > 0) {
      if (open) hunks.push(open);
      open = null;
      at += part;
      continue;
    }
    open ??= { start: at, end: at, text: '' };
    if (typeof part === 'string') open.text += part;
    else {
      at -= part;
      open.end = at;
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

/** The edit of a text of `length` characters made of these changes (in order, not overlapping). */
export function opOfHunks(length: number, hunks: readonly Hunk[]): TextOp {
  const out = new OpBuilder();
  let at = 0;
  for (const hunk of hunks) {
    out.keep(hunk.start - at);
    out.insert(hunk.text);
    out.remove(hunk.end - hunk.start);
    at = hunk.end;
  }
  out.keep(length - at);
  return out.parts;
}

/**
 * Where a place in a text (a caret) is after an edit: text inserted right at it goes after it,
 * so a caret stays behind what its own person typed and ahead of what someone else added there.
 */
export function movePosition(op: TextOp, position: number): number {
  let at = 0;
  let moved = position;
  for (const part of op) {
    if (at > position) break;
    if (typeof part === 'string') {
      if (at < position) moved += part.length;
    } else if (part > 0) at += part;
    else {
      const removed = Math.min(-part, Math.max(0, position - at));
      moved -= removed;
      at -= part;
    }
  }
  return moved;
}
