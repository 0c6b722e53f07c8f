import Dexie from 'dexie';
import { compareStamps, Hlc } from '#shared/sync/hlc';
import { newestStamp, type ItemState } from '#shared/sync/item';
import type { Change, PullResponse, PushResponse } from '#shared/sync/protocol';
import { applyPulled, rebase } from '#shared/sync/replica';
import { opBetween } from '#shared/sync/text-ops';
import { isTextField, textOf } from '#shared/sync/versions';
import { withMove } from '#shared/sync/text-moves';
import type { BatonDatabase, LocalItem, OutboxEntry, SyncState, TextMove } from './db';
import { lastAnswers, settleMerges } from './merged-writes';
import { itemStateOf, stateOf, toRow } from './rows';

// The sync engine's storage: every function is one Dexie transaction, so an edit, a pull page
// or a push result lands whole or not at all, in this tab and as seen from every other tab.

/** This device's sync state for the space, created on first use. */
export function syncStateOf(db: BatonDatabase, spaceId: string): Promise<SyncState> {
  return db.transaction('rw', db.syncState, () => stateOf(db, spaceId));
}

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

/**
 * What one pull run remembers between pages, so that a new device's first pull can write pages
 * without reading them back first: while the space had no items on this device when the run
 * began and no edit was made since (in any tab), an item not pulled earlier in the run cannot
 * be on the device, so there is nothing to merge it with.
 */
export interface PullRun {
  blind: boolean;
  seen: Set<string>;
  outboxTop: number;
}

async function outboxTop(db: BatonDatabase): Promise<number> {
  return (await db.outbox.orderBy(':id').last())?.seq ?? 0;
}

/** Starts a pull run (see {@link PullRun}). */
export function beginPullRun(db: BatonDatabase, spaceId: string): Promise<PullRun> {
  return db.transaction('r', db.items, db.outbox, async () => {
    const first = await db.items
      .where('[spaceId+updatedAt]')
      .between([spaceId, Dexie.minKey], [spaceId, Dexie.maxKey])
      .first();
    return { blind: first === undefined, seen: new Set<string>(), outboxTop: await outboxTop(db) };
  });
}

/**
 * Folds one pull page into the replica (S4, S10) and moves the cursor, in one transaction, so a
 * page is never half applied and never applied after a newer one.
 */
export function applyPullPage(
  db: BatonDatabase,
  spaceId: string,
  page: PullResponse,
  run?: PullRun,
  now: () => number = Date.now,
): Promise<void> {
  return db.transaction('rw', [db.items, db.syncState, db.outbox], async () => {
    const state = await stateOf(db, spaceId);
    if (page.next <= state.after && page.changes.length > 0) return;
    const waiting = run?.blind ? new Set<string>() : await waitingTexts(db, spaceId);
    if (run?.blind && (await outboxTop(db)) !== run.outboxTop) run.blind = false;
    const merge = run?.blind ? page.changes.filter((change) => run.seen.has(change.item.id)) : page.changes;
    const locals = await db.items.bulkGet(
      merge.map((change) => [spaceId, change.item.id] as [string, string]),
    );
    const localById = new Map<string, LocalItem>();
    for (const local of locals) if (local) localById.set(local.id, local);
    const rows: LocalItem[] = [];
    const observed: string[] = [];
    for (const change of page.changes) {
      const local = localById.get(change.item.id);
      const row = toRow(spaceId, heldBack(local ? itemStateOf(local) : null, change.item, waiting));
      const moves = movedHere(local, row, change);
      if (moves) row.moves = moves;
      rows.push(row);
      run?.seen.add(change.item.id);
      const newest = newestStamp(change.item);
      if (newest) observed.push(newest);
    }
    await db.items.bulkPut(rows);
    const done = page.more ? {} : { lastSyncedAt: now(), lastError: null };
    await touchState(db, spaceId, page.serverTime, observed, now, {
      after: Math.max(state.after, page.next),
      ...done,
    });
  });
}

/**
 * Stores a page a poke carried (S21) if it follows exactly what this device holds, in one
 * transaction; answers false (nothing written) when it does not, and the caller pulls instead.
 */
export function applyPokedPage(
  db: BatonDatabase,
  spaceId: string,
  from: number,
  page: PullResponse,
): Promise<boolean> {
  return db.transaction('rw', [db.items, db.syncState, db.outbox], async () => {
    if ((await stateOf(db, spaceId)).after !== from) return false;
    await applyPullPage(db, spaceId, page);
    return true;
  });
}

/**
 * The text fields this device has edits of waiting to go up, as `item\u0000field` (one read of the
 * space's outbox per page; a first pull, with nothing waiting, costs one empty read).
 */
async function waitingTexts(db: BatonDatabase, spaceId: string): Promise<Set<string>> {
  const waiting = await db.outbox.where('[spaceId+state]').equals([spaceId, 'pending']).toArray();
  const out = new Set<string>();
  for (const entry of waiting)
    for (const name of Object.keys(entry.mutation.set))
      if (isTextField(name)) out.add(`${entry.itemId}\u0000${name}`);
  return out;
}

/**
 * A pulled item folded into the local one (S4), except the text fields this device has edits of
 * waiting (S39): those edits name the version they were typed on, the server merges them with
 * what was pulled, and the answer brings the merge with the exact edit to move onto it. Taking
 * the pulled text now would take this person's newest keys off their screen meanwhile.
 */
function heldBack(local: ItemState | null, pulled: ItemState, waiting: Set<string>): ItemState {
  const merged = applyPulled(local, pulled);
  if (!local) return merged;
  for (const name of Object.keys(pulled.fields)) {
    const own = local.fields[name];
    if (own && waiting.has(`${pulled.id}\u0000${name}`)) merged.fields[name] = own;
  }
  return merged;
}

/**
 * The exact edits a pulled change names for text fields this device held at the version they
 * start from (S39): an open editor moves its caret and unsaved keys along them.
 */
function movedHere(
  local: LocalItem | undefined,
  row: LocalItem,
  change: Change,
): Record<string, TextMove[]> | null {
  if (!local) return null;
  const out: Record<string, TextMove[]> = {};
  for (const [name, chain] of Object.entries(local.moves ?? {})) {
    // A field that kept the device's own version keeps its steps; one that took the pulled
    // version continues them only with the exact step the change names.
    const entry = row.fields[name];
    if (!entry) continue;
    if (entry.s === local.fields[name]?.s) out[name] = chain;
  }
  for (const [name, move] of Object.entries(change.moves ?? {})) {
    const entry = row.fields[name];
    const taken = entry !== undefined && entry.s === change.item.fields[name]?.s;
    if (taken && local.fields[name]?.s === move.from)
      out[name] = withMove(local.moves?.[name], { from: move.from, to: entry.s, op: move.op });
  }
  return Object.keys(out).length > 0 ? out : null;
}

async function touchState(
  db: BatonDatabase,
  spaceId: string,
  serverTime: number,
  observed: string[],
  now: () => number,
  extra: Partial<SyncState>,
): Promise<void> {
  const state = await stateOf(db, spaceId);
  const hlc = new Hlc(state.clientId, () => 0, state.lastStamp);
  for (const stamp of observed) hlc.observe(stamp);
  const lastStamp =
    state.lastStamp && compareStamps(state.lastStamp, hlc.last()) >= 0 ? state.lastStamp : hlc.last();
  await db.syncState.update(spaceId, { lastStamp, clockOffsetMs: serverTime - now(), ...extra });
}

/** Records why the last sync attempt failed (shown to the user), or clears it. */
export async function recordSyncError(
  db: BatonDatabase,
  spaceId: string,
  error: { code: string; message: string } | null,
  now: () => number = Date.now,
): Promise<void> {
  await db.transaction('rw', db.syncState, async () => {
    await stateOf(db, spaceId);
    await db.syncState.update(spaceId, { lastError: error ? { ...error, at: now() } : null });
  });
}

/** Forgets a refused edit the user chose to discard. */
export async function discardRejected(db: BatonDatabase, seq: number): Promise<void> {
  await db.outbox.delete(seq);
}
