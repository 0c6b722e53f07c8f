import type { Hlc } from '#shared/sync/hlc';
import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';
import type { LockClaim, Mutation } from '#shared/sync/mutation';
import { jsonBytes } from '#shared/sync/protocol';
import { localEdit } from '#shared/sync/replica';
import { withMove } from '#shared/sync/text-moves';
import { opBetween, type TextOp } from '#shared/sync/text-ops';
import { textOf } from '#shared/sync/versions';
import { copyValues, mergeUnder, type TextBase } from './merge-store';
import { randomId, toRow } from './row-writes';
import { itemStateOf } from './rows';
import type { LocalItem, OutboxEntry, TextMove } from './tables';

/** A local edit of one item: new values for some fields; a delete writes `$deleted: true`. */
export interface EditRequest {
  itemId: string;
  kind: ItemKind;
  values: Record<string, JsonValue>;
  lock?: LockClaim;
  /** For text fields typed in an editor: the version the editor showed (S22). */
  bases?: Record<string, TextBase>;
}

/**
 * The edits of one transaction as they are written, one after another, on what the earlier ones
 * left: the items (as read, then as edited), the steps each text moved (S39), the mutations and
 * their outbox entries in order.
 */
export class EditBatch {
  readonly mutations: Mutation[] = [];
  readonly entries: OutboxEntry[] = [];
  private readonly current = new Map<string, ItemState | null>();
  private readonly moves = new Map<string, Record<string, TextMove[]>>();
  private readonly itemIds: string[];

  constructor(
    private readonly spaceId: string,
    private readonly hlc: Hlc,
    private readonly now: () => number,
    itemIds: readonly string[],
    rows: readonly (LocalItem | undefined)[],
  ) {
    this.itemIds = [...itemIds];
    this.itemIds.forEach((itemId, i) => {
      const row = rows[i];
      this.current.set(itemId, row ? itemStateOf(row) : null);
      if (row?.moves) this.moves.set(itemId, row.moves);
    });
  }

  /**
   * Writes one edit. Its text fields whose stored version moved on since the editor's base are
   * merged into it (S22); where they overlap, the stored version is kept as a conflict copy made
   * here (S23), written first.
   */
  add(edit: EditRequest): void {
    const local = this.current.get(edit.itemId) ?? null;
    const {
      values,
      moves: merged,
      fromStored,
      overlapped,
    } = mergeUnder(local, edit.values, edit.bases, this.moves.get(edit.itemId));
    if (overlapped) this.keepAsCopy(overlapped);
    const input = {
      id: randomId(),
      itemId: edit.itemId,
      kind: local?.kind ?? edit.kind,
      stamp: this.hlc.now(),
      values,
    };
    const { mutation, item } = localEdit(local, edit.lock ? { ...input, lock: edit.lock } : input);
    if (Object.keys(merged).length > 0) storedMoves.set(mutation, merged);
    this.moves.set(edit.itemId, stepsOf(this.moves.get(edit.itemId), local, mutation, fromStored));
    this.current.set(edit.itemId, item);
    this.mutations.push(mutation);
    this.entries.push(this.entryOf(mutation));
  }

  /** The rows to store: every item read or made, as the edits left it, with its steps. */
  rows(): LocalItem[] {
    return this.itemIds.flatMap((itemId) => {
      const item = this.current.get(itemId);
      if (!item) return [];
      const row = toRow(this.spaceId, item);
      const steps = this.moves.get(itemId);
      if (steps && Object.keys(steps).length > 0) row.moves = steps;
      return [row];
    });
  }

  /** The stored version an edit overlapped, kept as a new item (S23). */
  private keepAsCopy(overlapped: ItemState): void {
    const copy = localEdit(null, {
      id: randomId(),
      itemId: randomId(),
      kind: overlapped.kind,
      stamp: this.hlc.now(),
      values: copyValues(overlapped),
    });
    this.current.set(copy.item.id, copy.item);
    this.itemIds.push(copy.item.id);
    this.entries.push(this.entryOf(copy.mutation));
  }

  private entryOf(mutation: Mutation): OutboxEntry {
    return {
      spaceId: this.spaceId,
      mutationId: mutation.id,
      itemId: mutation.itemId,
      mutation,
      bytes: jsonBytes(mutation),
      state: 'pending',
      createdAt: this.now(),
    };
  }
}

/** The field's remembered steps with this edit's (S39): the store's merge, or the editor's own typing. */
function stepsOf(
  chains: Record<string, TextMove[]> | undefined,
  local: ItemState | null,
  mutation: Mutation,
  fromStored: Record<string, TextOp>,
): Record<string, TextMove[]> {
  const out = { ...chains };
  for (const [name, write] of Object.entries(mutation.set)) {
    const before = local?.fields[name];
    const from = textOf(name, before?.v);
    const to = textOf(name, write.v);
    if (!before || from === null || to === null) {
      delete out[name];
      continue;
    }
    const op = fromStored[name] ?? opBetween(from, to);
    out[name] = withMove(out[name], { from: before.s, to: mutation.stamp, op });
  }
  return out;
}

// Per stored edit whose text fields were merged with what another tab stored meanwhile: the exact
// edit from what the editor sent to what was stored, so the editor moves its later keys along it.
const storedMoves = new WeakMap<Mutation, Record<string, TextOp>>();

/** How the text fields of a stored edit moved from what the editor sent (S39); empty when they did not. */
export function movesOf(mutation: Mutation): Record<string, TextOp> {
  return storedMoves.get(mutation) ?? {};
}
