import Dexie from 'dexie';
import { Hlc } from '#shared/sync/hlc';
import type { ItemState } from '#shared/sync/item';
import type { PushResponse } from '#shared/sync/protocol';
import { rebase } from '#shared/sync/replica';
import { opBetween } from '#shared/sync/text-ops';
import { textOf } from '#shared/sync/versions';
import type { BatonDatabase, LocalItem, OutboxEntry, TextMove } from './db';
import { lastAnswers, settleMerges } from './merged-writes';
import { stateOf, toRow } from './row-writes';
import { touchState } from './sync-state';

// The push side of sync: batches taken from the outbox, and the server's answer settled, each in
// one transaction.

/**
 * The oldest pending edits (after outbox position `afterSeq`, if given), at most `maxCount` and
 * (unless one alone is bigger) `maxBytes` (S2).
 */
export async function takeBatch(
  db: BatonDatabase,
  spaceId: string,
  maxCount: number,
  maxBytes: number,
  afterSeq?: number,
): Promise<OutboxEntry[]> {
  const pending = await db.outbox
    .where('[spaceId+state+seq]')
    .between(
      [spaceId, 'pending', afterSeq ?? Dexie.minKey],
      [spaceId, 'pending', Dexie.maxKey],
      afterSeq === undefined,
      true,
    )
    .limit(maxCount)
    .toArray();
  const batch: OutboxEntry[] = [];
  let bytes = 0;
  for (const entry of pending) {
    if (batch.length > 0 && bytes + entry.bytes + 1 > maxBytes) break;
    batch.push(entry);
    bytes += entry.bytes + 1;
  }
  return batch;
}

/**
 * Settles a push reply (S3, S8): applied edits leave the outbox; a refused edit's item goes back
 * to the server's version with the still-pending edits on top. A fenced edit lives on as its
 * conflict copy; any other refusal stays in the outbox as rejected, with the reason, for the user.
 */
export function settlePush(
  db: BatonDatabase,
  spaceId: string,
  entries: OutboxEntry[],
  reply: PushResponse,
  now: () => number = Date.now,
  onTheirWay: readonly OutboxEntry[] = [],
): Promise<void> {
  return db.transaction('rw', db.items, db.outbox, db.syncState, async () => {
    const byId = new Map(entries.map((entry) => [entry.mutationId, entry]));
    const observed: string[] = [];
    const applied: number[] = [];
    for (const result of reply.results) {
      const entry = byId.get(result.id);
      if (entry?.seq !== undefined && result.status === 'applied') applied.push(entry.seq);
    }
    // A batch is usually a run of consecutive outbox positions: one range delete, not one per key.
    applied.sort((x, y) => x - y);
    const first = applied[0];
    const last = applied.at(-1);
    if (first !== undefined && last !== undefined && last - first + 1 === applied.length) {
      await db.outbox.where(':id').between(first, last, true, true).delete();
    } else {
      await db.outbox.bulkDelete(applied);
    }
    const state = await stateOf(db, spaceId);
    // The edit a merge's waiting keys become is stamped after the merged version (S39).
    const clock = new Hlc(state.clientId, () => now() + state.clockOffsetMs, state.lastStamp);
    for (const result of reply.results)
      if (result.status === 'applied')
        for (const field of Object.values(result.merged ?? {})) clock.observe(field.s);
    observed.push(
      ...(await settleMerges(db, spaceId, lastAnswers(entries, reply, onTheirWay), clock, now())),
    );
    observed.push(clock.last());
    for (const result of reply.results) {
      const entry = byId.get(result.id);
      if (!entry?.seq || result.status === 'applied') continue;
      const pending = await db.outbox
        .where('[spaceId+itemId]')
        .equals([spaceId, entry.itemId])
        .filter((other) => other.state === 'pending' && other.seq !== entry.seq)
        .sortBy('seq');
      const repaired = rebase(
        result.current,
        pending.map((other) => other.mutation),
      );
      if (repaired) await db.items.put(rolledBack(spaceId, repaired, entry));
      else await db.items.delete([spaceId, entry.itemId]);
      for (const fieldEntry of Object.values(result.current?.fields ?? {})) observed.push(fieldEntry.s);
      if (result.copies.length > 0) await db.outbox.delete(entry.seq);
      else
        await db.outbox.update(entry.seq, { state: 'rejected', code: result.code, message: result.message });
    }
    await touchState(db, spaceId, reply.serverTime, observed, now, {});
  });
}

/**
 * The row of an item a refused write is taken out of (S8): it says how each text moved from the
 * refused version, so an open editor follows it back instead of taking it for an old answer.
 */
function rolledBack(spaceId: string, repaired: ItemState, refused: OutboxEntry): LocalItem {
  const row = toRow(spaceId, repaired);
  const moves: Record<string, TextMove[]> = {};
  for (const [name, write] of Object.entries(refused.mutation.set)) {
    const from = textOf(name, write.v);
    const to = repaired.fields[name];
    const text = textOf(name, to?.v);
    if (from !== null && to && text !== null)
      moves[name] = [{ from: refused.mutation.stamp, to: to.s, op: opBetween(from, text) }];
  }
  if (Object.keys(moves).length > 0) row.moves = moves;
  return row;
}

/** The server refused a whole batch (a 4xx): its edits are kept as rejected, with the reason. */
export async function rejectBatch(
  db: BatonDatabase,
  entries: OutboxEntry[],
  code: string,
  message: string,
): Promise<void> {
  await db.transaction('rw', db.outbox, async () => {
    for (const entry of entries)
      if (entry.seq) await db.outbox.update(entry.seq, { state: 'rejected', code, message });
  });
}

/** Forgets a refused edit the user chose to discard. */
export async function discardRejected(db: BatonDatabase, seq: number): Promise<void> {
  await db.outbox.delete(seq);
}
