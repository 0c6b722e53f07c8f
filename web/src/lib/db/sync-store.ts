import { importedConflict } from './imported-conflict';
import Dexie from 'dexie';
import { compareStamps, Hlc, stampWall } from '#shared/sync/hlc';
import { newestStamp } from '#shared/sync/item';
import type { ItemState } from '#shared/sync/item';
import type { PullResponse, PushResponse } from '#shared/sync/protocol';
import { applyPulled, rebase } from '#shared/sync/replica';
import type { BatonDatabase, LocalItem, OutboxEntry, SyncState } from './db';
// The pull's text merges (S22) live in pull-merge.ts, which imports this module's helpers in
// turn: fine for functions called after both modules loaded.
import { mergePulled } from './pull-merge';
import { isLostCopyId } from '#shared/sync/merge';

// The sync engine's storage: every function is one Dexie transaction, so an edit, a pull page
// or a push result lands whole or not at all, in this tab and as seen from every other tab.

/** A random url-safe id (128 bits): item ids, mutation ids, client ids. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The item as the shared merge sees it (without the local bookkeeping). */
export function itemStateOf(row: LocalItem): ItemState {
  const item: ItemState = { id: row.id, kind: row.kind, fields: row.fields };
  const conflict = row.conflict ?? importedConflict(row);
  if (conflict) item.conflict = conflict;
  return item;
}

/** The stored row of an item state. */
export function toRow(spaceId: string, item: ItemState): LocalItem {
  const newest = newestStamp(item);
  const row: LocalItem = { ...item, spaceId, updatedAt: newest ? stampWall(newest) : 0 };
  const conflict = item.conflict ?? importedConflict(item); // an imported copy keeps its label (S18)
  if (conflict) {
    row.conflict = conflict;
    row.conflictOf = conflict.of;
  }
  return row;
}

/** This device's sync state for the space, created on first use; call inside a transaction. */
export async function stateOf(db: BatonDatabase, spaceId: string): Promise<SyncState> {
  const existing = await db.syncState.get(spaceId);
  if (existing) return existing;
  const fresh: SyncState = {
    spaceId,
    clientId: randomId(),
    after: 0,
    lastStamp: null,
    clockOffsetMs: 0,
    lastSyncedAt: null,
    lastError: null,
  };
  await db.syncState.add(fresh);
  return fresh;
}

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
): Promise<void> {
  return db.transaction('rw', db.items, db.outbox, db.syncState, async () => {
    const byId = new Map(entries.map((entry) => [entry.mutationId, entry]));
    const observed: string[] = [];
    const applied: number[] = [];
    const lost: string[] = [];
    for (const result of reply.results) {
      const entry = byId.get(result.id);
      if (entry?.seq !== undefined && result.status === 'applied') applied.push(entry.seq);
      if (result.status === 'applied' && result.copies.some(isLostCopyId)) lost.push(result.id);
    }
    // A write the server merged with a version this device had not seen (S37): the merged value
    // replaces the written one wherever no later edit of this device wrote the field since (a later
    // edit names the written version as its base, and the server merges it in turn).
    for (const result of reply.results) {
      const entry = byId.get(result.id);
      if (!entry || result.status !== 'applied' || !result.current) continue;
      const stored = await db.items.get([spaceId, entry.itemId]);
      if (!stored) continue;
      const fields = { ...stored.fields };
      let changed = false;
      for (const [name, merged] of Object.entries(result.current.fields)) {
        if (fields[name]?.s !== entry.mutation.stamp) continue;
        fields[name] = merged;
        observed.push(merged.s);
        changed = true;
      }
      if (changed) await db.items.put(toRow(spaceId, { ...itemStateOf(stored), fields }));
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
      if (repaired) await db.items.put(toRow(spaceId, repaired));
      else await db.items.delete([spaceId, entry.itemId]);
      for (const fieldEntry of Object.values(result.current?.fields ?? {})) observed.push(fieldEntry.s);
      if (result.copies.length > 0) await db.outbox.delete(entry.seq);
      else
        await db.outbox.update(entry.seq, { state: 'rejected', code: result.code, message: result.message });
    }
    // Remembered until a pulled version of the item holds them (S35); the newest few are enough.
    const lostEdits =
      lost.length > 0
        ? { lostEdits: [...((await stateOf(db, spaceId)).lostEdits ?? []), ...lost].slice(-LOST_EDITS_KEPT) }
        : {};
    await touchState(db, spaceId, reply.serverTime, observed, now, lostEdits);
  });
}

/** How many lost edits a space remembers for S35. */
const LOST_EDITS_KEPT = 200;

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
  return db.transaction('rw', [db.items, db.syncState, db.outbox, db.editBases], async () => {
    const state = await stateOf(db, spaceId);
    if (page.next <= state.after && page.changes.length > 0) return;
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
      rows.push(toRow(spaceId, applyPulled(local ? itemStateOf(local) : null, change.item)));
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
    // After the clock saw the page, so a merged write is newer than what it merges.
    await mergePulled(db, spaceId, state.clientId, page.changes, now, state.lostEdits ?? []);
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
  return db.transaction('rw', [db.items, db.syncState, db.outbox, db.editBases], async () => {
    if ((await stateOf(db, spaceId)).after !== from) return false;
    await applyPullPage(db, spaceId, page);
    return true;
  });
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
