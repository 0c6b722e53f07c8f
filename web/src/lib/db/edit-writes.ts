import Dexie from 'dexie';
import { Hlc } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import type { BatonDatabase } from './db';
import { EditBatch, type EditRequest } from './edit-batch';
import { GroupCommit } from './group-commit';
import { signalOutboxGrew } from './outbox-signal';
import { stateOf } from './row-writes';

export { movesOf, type EditRequest } from './edit-batch';

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
    const batch = new EditBatch(spaceId, hlc, now, itemIds, rows);
    for (const edit of edits) batch.add(edit);
    await db.items.bulkPut(batch.rows());
    await db.outbox.bulkAdd(batch.entries);
    await db.syncState.update(spaceId, { lastStamp: hlc.last() });
    return batch.mutations;
  });
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
