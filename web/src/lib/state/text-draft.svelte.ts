import type { Entry, JsonValue } from '#shared/sync/item';
import { mapCaret, mergeText } from '#shared/sync/text-merge';
import type { SavedEdit, TextBase } from './items-port';
import { drafts } from './drafts.svelte';

/** Where the caret and selection are in a text box, to keep them across a merge. */
export interface Caret {
  start: number;
  end: number;
}

/**
 * One text field as an editor holds it (S22): what the user sees (`text`), and the stored
 * version it started from (`base`). Typing is written within a frame; a stored change that
 * arrives meanwhile is merged into the text, keeping every keystroke and the caret.
 */
export class TextDraft {
  text = $state('');
  base: TextBase = { stamp: null, text: '' };
  /** The stamp this editor's last write was based on: a stored version at or before it is a rollback. */
  private prior: string | null = null;
  private adopted = false;

  /** Follows the stored field. Answers the new caret when the text changed under it. */
  follow(entry: Entry | undefined, caret: Caret | null): Caret | null {
    const stored = typeof entry?.v === 'string' ? entry.v : '';
    const stamp = entry?.s ?? null;
    if (!this.adopted || (stamp === this.base.stamp && this.text === this.base.text)) {
      this.adopted = true;
      this.base = { stamp, text: stored };
      this.text = stored;
      return null;
    }
    if (stamp === this.base.stamp) return null;
    // A query answer from between this editor's last write and the one before it: that write
    // already holds it. At or before the write's own base (or before this editor wrote at all)
    // it is a rollback, e.g. a refused write put back to the server's version (S8): followed.
    const prior = this.prior;
    if (
      stamp !== null &&
      this.base.stamp !== null &&
      prior !== null &&
      stamp < this.base.stamp &&
      stamp > prior
    ) {
      return null;
    }
    if (this.text === this.base.text) {
      const before = this.text;
      this.base = { stamp, text: stored };
      this.text = stored;
      return caret && moved(before, stored, caret);
    }
    const merged = mergeText(this.base.text, this.text, stored);
    // Overlap: keep what the user typed and its base; the write merges and keeps theirs as a copy.
    if (merged.conflict) return null;
    const before = this.text;
    this.base = { stamp, text: stored };
    this.text = merged.text;
    return caret && moved(before, merged.text, caret);
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
    const from =
      this.base.stamp === sentBase.stamp ? sent : mergeText(sentBase.text, sent, this.base.text).text;
    const merged = mergeText(from, this.text, text);
    if (merged.conflict) return null;
    this.prior = this.base.stamp;
    this.base = { stamp: edit.stamp, text };
    if (merged.text === this.text) return null;
    const before = this.text;
    this.text = merged.text;
    return caret && moved(before, this.text, caret);
  }
}

function moved(before: string, after: string, caret: Caret): Caret {
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
  private inFlight = 0;
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
