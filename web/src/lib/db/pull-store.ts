import Dexie from 'dexie';
import { newestStamp, type ItemState } from '#shared/sync/item';
import type { Change, PullResponse } from '#shared/sync/protocol';
import { applyPulled } from '#shared/sync/replica';
import { isTextField } from '#shared/sync/versions';
import { withMove } from '#shared/sync/text-moves';
import type { BatonDatabase, LocalItem, TextMove } from './db';
import { stateOf, toRow } from './row-writes';
import { itemStateOf } from './rows';
import { touchState } from './sync-state';

// The pull side of sync: each page the server sends (pulled or carried by a poke) folded into the
// replica with the cursor, in one transaction.

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
