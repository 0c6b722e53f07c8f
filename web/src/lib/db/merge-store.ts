import { CONFLICT_REASON, DELETED_FIELD, type ItemState, type JsonValue } from '#shared/sync/item';
import { inputLength, opBetween, type TextOp } from '#shared/sync/text-ops';
import { mergeTextWrite, textOf, withText } from '#shared/sync/versions';
import { moveAlong, type TextMove } from '#shared/sync/text-moves';
import { IMPORTED_CONFLICT, IMPORTED_CONFLICT_FIELDS } from './imported-conflict';

// Two tabs of one device (S22, S23), inside the write transactions of edit-writes.ts: a tab's
// write whose stored version another tab moved on is merged here, with the same function the
// server merges with (S37), against the exact text the tab's editor started from.

/** The version of a text field an editor showed the user: its stamp and its text. */
export interface TextBase {
  stamp: string | null;
  text: string;
}

/** An edit's text fields after merging in what changed under the editor since its base. */
export interface MergedTexts {
  values: Record<string, JsonValue>;
  /** Per text field merged here, the exact edit from the editor's text to the stored one (S39). */
  moves: Record<string, TextOp>;
  /** Per text field merged here, the exact edit from the text stored before to the one stored now. */
  fromStored: Record<string, TextOp>;
  /** The stored item to keep as a conflict copy, when an edit overlapped it (S23). */
  overlapped: ItemState | null;
}

/**
 * Merges each text the editor wrote with the stored version when the stored one moved on since
 * the editor's base (another tab, or a pull, got there first): a write never claims a version
 * its author did not see.
 */
export function mergeUnder(
  local: ItemState | null,
  values: Record<string, JsonValue>,
  bases: Record<string, TextBase> | undefined,
  moves: Record<string, TextMove[]> = {},
): MergedTexts {
  const out = { ...values };
  const moved: Record<string, TextOp> = {};
  const fromStored: Record<string, TextOp> = {};
  let overlapped = false;
  for (const [name, base] of Object.entries(bases ?? {})) {
    const mine = out[name];
    const stored = local?.fields[name];
    if (mine === undefined || (stored?.s ?? null) === base.stamp) continue;
    const mineText = textOf(name, mine);
    const theirs = stored === undefined ? '' : textOf(name, stored.v);
    if (mineText === null || theirs === null) {
      // A value that is not text cannot be merged: the stored one the user did not see is kept
      // as a copy unless it is the same.
      if (stored && JSON.stringify(stored.v) !== JSON.stringify(mine)) overlapped = true;
      continue;
    }
    // The exact edit from the editor's version to the stored one, where the device remembers it (S39).
    const along = moveAlong(moves[name], base.stamp, stored?.s ?? null);
    const step = along && inputLength(along) === base.text.length ? along : opBetween(base.text, theirs);
    const merged = mergeTextWrite(base.text, mineText, step, theirs);
    // On an overlap the tab's text is written whole and the stored one is kept as a copy (S23).
    if (merged.conflict) overlapped = true;
    else {
      out[name] = withText(mine, merged.text);
      if (merged.fromWritten) moved[name] = merged.fromWritten;
      fromStored[name] = merged.fromCurrent;
    }
  }
  return { values: out, moves: moved, fromStored, overlapped: overlapped && local ? local : null };
}

/** A text this page wrote that is stored now: the text sent, and the version it became. */
export interface EarlierWrite {
  stamp: string;
  sent: string;
  /** The text stored at `stamp`: the one sent, merged with what moved under it. */
  stored: string;
}

/**
 * The value and base of text field `name` typed on the same base as `earlier`, a write of this
 * page that was on its way meanwhile: the value holds that write's text and more, so it builds on
 * the version that write became, with what the store merged into it (another person's keys
 * pulled meanwhile) moved into it too. Written over that version as typed, it would take those
 * keys out; merged from the first base, it would add its own keys twice.
 */
export function buildOnEarlier(
  name: string,
  value: JsonValue,
  base: TextBase,
  earlier: EarlierWrite,
): { value: JsonValue; base: TextBase } {
  const typed = textOf(name, value);
  if (typed === null) return { value, base };
  const on = { stamp: earlier.stamp, text: earlier.stored };
  if (earlier.stored === earlier.sent) return { value, base: on };
  const moved = mergeTextWrite(earlier.sent, typed, opBetween(earlier.sent, earlier.stored), earlier.stored);
  // Where the later keys overlap what was merged in, the write merges from the first base (S23).
  if (moved.conflict) return { value, base };
  return { value: withText(value, moved.text), base: on };
}

/** A request to write text fields typed on given bases (see edit-writes' EditRequest). */
interface TypedEdit {
  values: Record<string, JsonValue>;
  bases?: Record<string, TextBase>;
}

/**
 * `edit`, typed while `earlier` (an edit of the same item by this page) was on its way and now
 * stored as `stamp` holding `stored`: each text field typed on the same base as `earlier` builds
 * on what it became ({@link buildOnEarlier}).
 */
export function buildEditOnEarlier<E extends TypedEdit>(
  edit: E,
  earlier: TypedEdit,
  stamp: string,
  stored: Record<string, JsonValue>,
): E {
  if (!edit.bases) return edit;
  const values = { ...edit.values };
  const bases = { ...edit.bases };
  for (const [name, base] of Object.entries(edit.bases)) {
    const sent = textOf(name, earlier.values[name]);
    const became = textOf(name, stored[name]);
    const value = values[name];
    if (value === undefined || sent === null || became === null) continue;
    if (earlier.bases?.[name]?.stamp !== base.stamp) continue;
    const built = buildOnEarlier(name, value, base, { stamp, sent, stored: became });
    values[name] = built.value;
    bases[name] = built.base;
  }
  return { ...edit, values, bases };
}

/** The values of a conflict copy a device makes of `item` (S25): its fields, labelled with the original. */
export function copyValues(item: ItemState): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const [name, entry] of Object.entries(item.fields)) {
    if (name !== DELETED_FIELD && !IMPORTED_CONFLICT_FIELDS.includes(name)) values[name] = entry.v;
  }
  // Labelled like an imported copy (S23): only the server makes `conflict` records.
  values[IMPORTED_CONFLICT.of] = item.id;
  values[IMPORTED_CONFLICT.reason] = CONFLICT_REASON.overwritten;
  return values;
}
