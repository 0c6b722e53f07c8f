import type { ItemState, JsonValue } from '#shared/sync/item';
import { inputLength, opBetween, type TextOp } from '#shared/sync/text-ops';
import { mergeTextWrite, textOf, withText } from '#shared/sync/versions';
import type { SavedEdit, TextBase } from '../lib/items/items-port';
import { DraftWriter } from '../lib/state/text-draft.svelte';

/** How long after a key a newer value stored by someone else waits to replace what was typed. */
const TYPING_PAUSE_MS = 1_000;

/** What the record editor needs around its draft. */
export interface RecordDraftOptions {
  /** The item as the store has it now. */
  item: () => ItemState;
  onSave: (values: Record<string, JsonValue>, bases?: Record<string, TextBase>) => Promise<SavedEdit | null>;
  onTyping?: () => void;
  /** The text of field `name` moved along `op` on screen: its caret should follow. */
  onMoved?: (name: string, op: TextOp | null) => void;
}

/**
 * What the user typed in a record and the store does not have yet, per item field, with the
 * stamp of the version they saw (S22): the editor shows it over the stored value until it is
 * written, so a write landing meanwhile never puts older text under the caret. Written within a
 * frame (S24), each typed value once.
 */
export class RecordDraft {
  typing = $state<Record<string, JsonValue>>({});
  /** The field typed in within the last {@link TYPING_PAUSE_MS}. */
  typingIn = $state<string | null>(null);
  readonly writer: DraftWriter;
  private readonly seen: Record<string, TextBase> = {};
  /** What was last written per field (JSON). */
  private readonly lastSent: Record<string, string> = {};
  private pause: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: RecordDraftOptions) {
    this.writer = new DraftWriter(
      () => this.unsent(),
      (values, bases) => options.onSave(values, bases),
      (sent, edit) => this.settled(sent, edit),
    );
  }

  /**
   * The typed values not written yet, with the versions they were typed on. A value already
   * written stays on screen until the store shows it, but is not written again.
   */
  private unsent(): { values: Record<string, JsonValue>; bases: Record<string, TextBase> } | null {
    const values: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(this.typing)) {
      const json = JSON.stringify(value);
      // Written already, and nothing typed in it since: it stays typed until the store shows it,
      // but writing it again would store the same change twice.
      if (this.lastSent[name] === json) continue;
      // A plain copy (JSON only): IndexedDB cannot store Svelte's state proxies.
      values[name] = JSON.parse(json) as JsonValue;
    }
    if (Object.keys(values).length === 0) return null;
    const bases: Record<string, TextBase> = {};
    for (const name of Object.keys(values)) bases[name] = this.seen[name] ?? { stamp: null, text: '' };
    return { values, bases };
  }

  private settled(sent: Record<string, JsonValue>, edit: SavedEdit): void {
    let next: Record<string, JsonValue> | null = null;
    for (const [name, value] of Object.entries(sent)) {
      const stored = edit.values[name] ?? value;
      this.seen[name] = { stamp: edit.stamp, text: textOf(name, stored) ?? '' };
      this.lastSent[name] = JSON.stringify(stored);
      // The store merged another tab's text into the write (S37): what is on screen moves onto
      // it, with the caret, so the next write names the version it was typed on.
      const moved = movedOnto(name, value, stored, this.typing[name], edit.moves?.[name]);
      if (moved === null) continue;
      (next ??= { ...this.typing })[name] = moved.value;
      this.options.onMoved?.(name, moved.op);
    }
    if (next) this.typing = next;
  }

  /** The user typed `value` into field `name`. */
  type(name: string, value: JsonValue): void {
    const item = this.options.item();
    if (!(name in this.typing))
      this.seen[name] ??= {
        stamp: item.fields[name]?.s ?? null,
        text: textOf(name, item.fields[name]?.v) ?? '',
      };
    this.typing = { ...this.typing, [name]: value };
    this.typingIn = name;
    clearTimeout(this.pause);
    this.pause = setTimeout(() => (this.typingIn = null), TYPING_PAUSE_MS);
    this.writer.touch();
    this.options.onTyping?.();
  }

  /**
   * Follows the stored fields. A typed value gives way to the stored one only once the store has
   * that write (or a newer one) and nothing was typed since, so the box never shows an older
   * value under the caret. While the user types in a field whose typing is all written, a newer
   * stored version (another person's change merged with theirs) is followed: the box shows it,
   * the caret moves along, and the next key is typed on it (S22). Someone else's newer value
   * never replaces keys not yet written (S23): the next write merges them. A stored change the
   * user is not typing over becomes the version they see.
   */
  follow(fields: ItemState['fields']): void {
    let next: Record<string, JsonValue> | null = null;
    for (const name of Object.keys(this.typing)) {
      const entry = fields[name];
      const base = this.seen[name]?.stamp;
      const typed = this.typing[name];
      if (!entry || !base || this.lastSent[name] !== JSON.stringify(typed)) continue;
      if (entry.s === base || (entry.s > base && this.typingIn !== name)) {
        delete (next ??= { ...this.typing })[name];
      } else if (entry.s > base) {
        const [typedText, storedText] = [textOf(name, typed), textOf(name, entry.v)];
        (next ??= { ...this.typing })[name] = entry.v;
        this.lastSent[name] = JSON.stringify(entry.v);
        this.seen[name] = { stamp: entry.s, text: storedText ?? '' };
        if (typedText !== null && storedText !== null)
          this.options.onMoved?.(name, opBetween(typedText, storedText));
      }
    }
    if (next) this.typing = next;
    for (const [name, entry] of Object.entries(fields)) {
      if (!(name in this.typing)) this.seen[name] = { stamp: entry.s, text: textOf(name, entry.v) ?? '' };
    }
  }

  /** The user left the field they were typing in. */
  stopTyping(): void {
    this.typingIn = null;
  }

  /** The editor goes away: what is left is written. */
  close(): void {
    this.writer.close();
    clearTimeout(this.pause);
  }
}

/** What is typed in a text field moved onto the stored merge of what was sent; null when it need not move. */
function movedOnto(
  name: string,
  sent: JsonValue,
  stored: JsonValue,
  typed: JsonValue | undefined,
  exact: TextOp | undefined,
): { value: JsonValue; op: TextOp | null } | null {
  const [sentText, storedText, typedText] = [textOf(name, sent), textOf(name, stored), textOf(name, typed)];
  if (typed === undefined || sentText === null || storedText === null || typedText === null) return null;
  if (sentText === storedText) return null;
  const step = exact && inputLength(exact) === sentText.length ? exact : opBetween(sentText, storedText);
  const merged = mergeTextWrite(sentText, typedText, step, storedText);
  return merged.conflict ? null : { value: withText(typed, merged.text), op: merged.fromWritten };
}
