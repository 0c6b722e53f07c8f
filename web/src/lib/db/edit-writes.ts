import Dexie from 'dexie';
import { Hlc } from '#shared/sync/hlc';
import type { ItemKind, ItemState, JsonValue } from '#shared/sync/item';
import type { LockClaim, Mutation } from '#shared/sync/mutation';
import { jsonBytes } from '#shared/sync/protocol';
import { withMove } from '#shared/sync/text-moves';
import { opBetween, type TextOp } from '#shared/sync/text-ops';
import { textOf } from '#shared/sync/versions';
import { localEdit } from '#shared/sync/replica';
import type { BatonDatabase, OutboxEntry, TextMove } from './db';
import { GroupCommit } from './group-commit';
import { signalOutboxGrew } from './outbox-signal';
import { copyValues, mergeUnder, type TextBase } from './merge-store';
import { itemStateOf, randomId, stateOf, toRow } from './rows';

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
 * Writes edits of one space in one transaction (S1): items, outbox entries (in the given order)
 * and the clock. Stamps come from the space's HLC as stored, one after another, so the result is
 * exactly that of writing the edits one by one, and tabs writing at once never share a stamp.
 * Text fields whose stored version moved on since the editor's base are merged into it (S22);
 * where they overlap, the stored version is kept as a conflict copy made here (S23). The
 * mutation's `set` holds the values as stored.
 */
export function writeEdits(
  db: BatonDatabase,
  spaceId: string,
  edits: readonly EditRequest[],
  now: () => number = Date.now,
): Promise<Mutation[]> {
  return db.transaction('rw', [db.items, db.outbox, db.syncState], async () => {
    const state = await stateOf(db, spaceId);
    const hlc = new Hlc(state.clientId, () => now() + state.clockOffsetMs, state.lastStamp);
    const itemIds = [...new Set(edits.map((edit) => edit.itemId))];
    const rows = await db.items.bulkGet(itemIds.map((itemId) => [spaceId, itemId]));
    const current = new Map<string, ItemState | null>();
    const moves = new Map<string, Record<string, TextMove[]>>();
    itemIds.forEach((itemId, i) => {
      const row = rows[i];
      current.set(itemId, row ? itemStateOf(row) : null);
      if (row?.moves) moves.set(itemId, row.moves);
    });
    const mutations: Mutation[] = [];
    const entries: OutboxEntry[] = [];
    const entry = (mutation: Mutation): OutboxEntry => ({
      spaceId,
      mutationId: mutation.id,
      itemId: mutation.itemId,
      mutation,
      bytes: jsonBytes(mutation),
      state: 'pending',
      createdAt: now(),
    });
    for (const edit of edits) {
      const local = current.get(edit.itemId) ?? null;
      const {
        values,
        moves: merged,
        fromStored,
        overlapped,
      } = mergeUnder(local, edit.values, edit.bases, moves.get(edit.itemId));
      if (overlapped) {
        const copy = localEdit(null, {
          id: randomId(),
          itemId: randomId(),
          kind: overlapped.kind,
          stamp: hlc.now(),
          values: copyValues(overlapped),
        });
        current.set(copy.item.id, copy.item);
        itemIds.push(copy.item.id);
        entries.push(entry(copy.mutation));
      }
      const input = {
        id: randomId(),
        itemId: edit.itemId,
        kind: local?.kind ?? edit.kind,
        stamp: hlc.now(),
        values,
      };
      const { mutation, item } = localEdit(local, edit.lock ? { ...input, lock: edit.lock } : input);
      if (Object.keys(merged).length > 0) storedMoves.set(mutation, merged);
      moves.set(edit.itemId, stepsOf(moves.get(edit.itemId), local, mutation, fromStored));
      current.set(edit.itemId, item);
      mutations.push(mutation);
      entries.push(entry(mutation));
    }
    const written = itemIds.flatMap((itemId) => {
      const item = current.get(itemId);
      if (!item) return [];
      const row = toRow(spaceId, item);
      const steps = moves.get(itemId);
      if (steps && Object.keys(steps).length > 0) row.moves = steps;
      return [row];
    });
    await db.items.bulkPut(written);
    await db.outbox.bulkAdd(entries);
    await db.syncState.update(spaceId, { lastStamp: hlc.last() });
    return mutations;
  });
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

const groups = new WeakMap<BatonDatabase, Map<string, GroupCommit<EditRequest, Mutation>>>();

function groupOf(db: BatonDatabase, spaceId: string): GroupCommit<EditRequest, Mutation> {
  let spaces = groups.get(db);
  if (!spaces) groups.set(db, (spaces = new Map<string, GroupCommit<EditRequest, Mutation>>()));
  let group = spaces.get(spaceId);
  if (!group) {
    group = new GroupCommit(async (edits) => {
      const mutations = await writeEdits(db, spaceId, edits);
      signalOutboxGrew(db, spaceId);
      return mutations;
    });
    spaces.set(spaceId, group);
  }
  return group;
}

/**
 * Writes one edit and answers its mutation once the edit is stored (S1). Edits made while an
 * earlier one is being committed share the next transaction (S19): the outbox order and the
 * stamps stay those of the calls. Inside a caller's own transaction it writes there instead.
 */
export function writeEdit(
  db: BatonDatabase,
  spaceId: string,
  edit: EditRequest,
  now: () => number = Date.now,
): Promise<Mutation> {
  // Inside a caller's transaction the edit must land in it; a caller's own clock (tests) cannot
  // share a group whose stamps come from the real one.
  if (Dexie.currentTransaction || now !== Date.now) {
    return writeEdits(db, spaceId, [edit], now).then((mutations) => mutations[0] as Mutation);
  }
  return groupOf(db, spaceId).submit(edit);
}

/** Tries a refused edit again as a new edit of the same values, stamped now. */
export function retryRejected(db: BatonDatabase, seq: number): Promise<void> {
  return db.transaction('rw', [db.items, db.outbox, db.syncState], async () => {
    const entry = await db.outbox.get(seq);
    if (!entry || entry.state !== 'rejected') return;
    const values = Object.fromEntries(
      Object.entries(entry.mutation.set).map(([name, write]) => [name, write.v]),
    );
    await db.outbox.delete(seq);
    await writeEdit(db, entry.spaceId, { itemId: entry.itemId, kind: entry.mutation.kind, values });
  });
}
