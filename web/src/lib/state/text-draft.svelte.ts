import type { Entry, JsonValue } from '#shared/sync/item';
import { mapCaret } from '#shared/sync/text-merge';
import {
  applyOp,
  inputLength,
  movePosition,
  opBetween,
  transformOps,
  type TextOp,
} from '#shared/sync/text-ops';
import { mergeTextWrite } from '#shared/sync/versions';
import { moveAlong, type TextMove } from '#shared/sync/text-moves';
import type { SavedEdit, TextBase } from '../items/items-port';
import { drafts } from './drafts.svelte';

/** Where the caret and selection are in a text box, to keep them across a merge. */
export interface Caret {
  start: number;
  end: number;
}

/** The device's remembered exact steps of a text field (S39). */
export type TextMoveHint = readonly TextMove[];

/**
 * One text field as an editor holds it (S22): what the user sees (`text`), and the stored
 * version it started from (`base`). Typing is written within a frame; a stored change that
 * arrives meanwhile is merged into the text with the merge the server runs (S37), keeping every
 * keystroke and the caret; where the device knows exactly how the stored text moved (the
 * server's merge of this device's write, S39), the merge and the caret follow that edit.
 */
export class TextDraft {
  text = $state('');
  base: TextBase = { stamp: null, text: '' };
  private adopted = false;

  /** Follows the stored field. Answers the new caret when the text changed under it. */
  follow(entry: Entry | undefined, caret: Caret | null, hint?: TextMoveHint): Caret | null {
    const stored = typeof entry?.v === 'string' ? entry.v : '';
    const stamp = entry?.s ?? null;
    if (!this.adopted || (stamp === this.base.stamp && this.text === this.base.text)) {
      this.adopted = true;
      this.base = { stamp, text: stored };
      this.text = stored;
      return null;
    }
    if (stamp === this.base.stamp) return null;
    // An older version than the one this editor stands on is a query answer from before its own
    // write landed: never followed. A rollback (a refused write put back to the server's version,
    // S8) comes with the edit from the editor's version, and is followed.
    const along = moveAlong(hint, this.base.stamp, stamp);
    const older = stamp === null || stamp < (this.base.stamp ?? '');
    if (this.base.stamp !== null && older && along === null) return null;
    const step = stepTo(this.base, stored, along);
    const merged = mergeTextWrite(this.base.text, this.text, step, stored);
    // Overlap: keep what the user typed and its base; the write merges and keeps theirs as a copy.
    if (merged.conflict) return null;
    const before = this.text;
    this.base = { stamp, text: stored };
    this.text = merged.text;
    return caret && moveCaret(before, merged.text, merged.fromWritten, caret);
  }

  /** True when the user's text is not the stored one it started from. */
  get changed(): boolean {
    return this.text !== this.base.text;
  }

  /**
   * After a write of `sent` (typed on `sentBase`): the stored version is now what it answered,
   * merged with what was typed since. A stored change the editor followed while the write was on
   * its way is part of both, so the merge starts from `sent` moved onto it; where the merge
   * overlaps, the draft keeps its base and text, and its next write merges in the store (S22).
   */
  saved(sent: string, sentBase: TextBase, edit: SavedEdit, name: string, caret: Caret | null): Caret | null {
    const stored = edit.values[name];
    const text = typeof stored === 'string' ? stored : sent;
    // Already following a newer stored version, which holds this write.
    if (this.base.stamp !== null && edit.stamp < this.base.stamp) return null;
    // What was typed since `sent` moves onto the stored text: exactly, along the store's own
    // merge when it merged (S39), or unchanged when it stored what was sent.
    const exact = edit.moves?.[name];
    const step =
      exact && inputLength(exact) === sent.length ? exact : text === sent ? null : opBetween(sent, text);
    const followed = this.base.stamp === sentBase.stamp ? null : this.base.text;
    const sinceSent = followed === null ? opBetween(sent, this.text) : null;
    this.base = { stamp: edit.stamp, text };
    if (followed !== null) {
      // The editor followed another stored change while the write was on its way: what it shows
      // is the sent text moved onto that change; merge from there.
      const from = mergeTextWrite(sentBase.text, sent, opBetween(sentBase.text, followed), followed).text;
      const merged = mergeTextWrite(from, this.text, opBetween(from, text), text);
      if (merged.conflict) return null;
      const before = this.text;
      this.text = merged.text;
      return caret && moveCaret(before, this.text, merged.fromWritten, caret);
    }
    if (step === null || sinceSent === null) return null;
    const both = transformOps(sinceSent, step);
    const before = this.text;
    this.text = applyOp(text, both.mine);
    return caret && moveCaret(before, this.text, both.theirs, caret);
  }
}

/** The edit from the draft's base to the stored text: the exact one when the device remembers it. */
function stepTo(base: TextBase, stored: string, along: TextOp | null): TextOp {
  if (along && inputLength(along) === base.text.length) {
    try {
      if (applyOp(base.text, along) === stored) return along;
    } catch {
      // Steps for another text: fall back to the diff.
    }
  }
  return opBetween(base.text, stored);
}

function moveCaret(before: string, after: string, op: TextOp | null, caret: Caret): Caret {
  if (op) return { start: movePosition(op, caret.start), end: movePosition(op, caret.end) };
  return { start: mapCaret(before, after, caret.start), end: mapCaret(before, after, caret.end) };
}

/**
 * Writes an editor's fields as the user types: at most one write in flight, the next one
 * coalescing every keystroke typed meanwhile, started within a frame (S24). Registers with
 * {@link drafts} while anything typed is not yet stored.
 */
export class DraftWriter {
  saving = $state(false);
  error = $state('');
  private scheduled: ReturnType<typeof setTimeout> | undefined;
  private inFlight = $state(0);
  private again = false;
  private readonly token = Symbol('draft');

  constructor(
    private readonly collect: () => {
      values: Record<string, JsonValue>;
      bases: Record<string, TextBase>;
    } | null,
    private readonly write: (
      values: Record<string, JsonValue>,
      bases: Record<string, TextBase>,
    ) => Promise<SavedEdit | null>,
    private readonly settled: (
      sent: Record<string, JsonValue>,
      edit: SavedEdit,
      bases: Record<string, TextBase>,
    ) => void,
  ) {}

  /** True while a write is on its way to the store: its answer, not the store, moves the text. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** The user typed: write soon. */
  touch(): void {
    this.saving = true;
    drafts.hold(this.token);
    if (this.scheduled !== undefined) return;
    // One frame coalesces a burst of keys; a timer, not requestAnimationFrame, because hidden
    // tabs get no frames and a hidden tab must still write.
    this.scheduled = setTimeout(() => this.flush(), 16);
  }

  /**
   * Writes what is typed. While typing, one write at a time (the next starts when the one in
   * flight is stored, with its result as base). {@link flushNow} (the tab is hidden or closing)
   * does not wait: IndexedDB runs writes in order and each merges with what the one before stored (S22),
   * so a key typed just before a reload is already on its way.
   */
  flush(): void {
    if (this.inFlight > 0) {
      clearTimeout(this.scheduled);
      this.scheduled = undefined;
      this.again = true;
      return;
    }
    this.flushNow();
  }

  /** Writes at once, even while a write is in flight (see {@link flush}). */
  flushNow(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    const next = this.collect();
    if (!next) {
      if (this.inFlight === 0) this.done();
      return;
    }
    this.inFlight += 1;
    drafts.wrote();
    void this.write(next.values, next.bases)
      .then((edit) => {
        this.error = '';
        if (edit) this.settled(next.values, edit, next.bases);
        return edit !== null;
      })
      .catch((error: unknown) => {
        this.error = error instanceof Error ? error.message : 'Could not save.';
        return false;
      })
      .then((stored) => {
        this.inFlight -= 1;
        if (this.inFlight > 0 || this.scheduled !== undefined) return;
        const again = this.again;
        this.again = false;
        // A failed write is not retried in a loop: the next key, or leaving, tries again.
        if (stored && (again || this.collect())) this.flush();
        else if (stored) this.done();
      });
  }

  private done(): void {
    this.saving = false;
    drafts.release(this.token);
  }

  /** The editor goes away: write what is left, then stop counting as a draft. */
  close(): void {
    this.flushNow();
    if (this.inFlight === 0) this.done();
  }
}
