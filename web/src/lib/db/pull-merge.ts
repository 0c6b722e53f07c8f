import { stampNode } from '#shared/sync/hlc';
import { DELETED_FIELD, isDeleted, type ItemState, type JsonValue } from '#shared/sync/item';
import { jsonBytes, type PullResponse } from '#shared/sync/protocol';
import type { BatonDatabase, EditBase, OutboxEntry } from './db';
import Dexie from 'dexie';
import {
  holdsAll,
  holdsEveryLine,
  laterOwnEdit,
  mergeConcurrent,
  resolveCopy,
  supersedes,
} from './copy-merge';
// The pull's merges write edits (S22); edit-writes.ts imports sync-store.ts, which imports this
// module: fine for functions called after all of them loaded.
import { writeEdit } from './edit-writes';
import { itemStateOf, toRow } from './sync-store';

// The pull side of the text merge (S22, S23), run inside the transaction that stores a pulled
// page, after the clock saw it (so a merged write is newer than what it merges), so the editor
// never shows a pulled version without this device's text merged back into it.

/** Where the merges of one pulled page run: this device's database, space, client id and clock. */
interface Device {
  db: BatonDatabase;
  spaceId: string;
  clientId: string;
  now: () => number;
}

/** Merges what a pulled page brought into this device's text edits; see the functions below. */
export async function mergePulled(
  db: BatonDatabase,
  spaceId: string,
  clientId: string,
  changes: PullResponse['changes'],
  now: () => number,
  lostEdits: readonly string[] = [],
): Promise<void> {
  const device: Device = { db, spaceId, clientId, now };
  await rebasePending(device, changes);
  if (lostEdits.length > 0) await mergeLost(device, changes, lostEdits);
  await mergeOwnCopies(device, changes);
  await mergeOverwritten(device, changes);
}

function basesOf(db: BatonDatabase, spaceId: string, itemId: string): Promise<EditBase[]> {
  return db.editBases.where('[spaceId+itemId]').equals([spaceId, itemId]).toArray();
}

function dismiss(db: BatonDatabase, spaceId: string, copy: ItemState, now: () => number): Promise<unknown> {
  return writeEdit(db, spaceId, { itemId: copy.id, kind: copy.kind, values: { [DELETED_FIELD]: true } }, now);
}

/**
 * Merges a pulled text into this device's edits of it still waiting to go up: the push and the
 * pull never overlap (the engine runs them in turn), so the waiting edits of a field are
 * replaced by one merged edit based on the pulled version, and the server sees no concurrency.
 * Overlapping edits (or a merge that would drop a typed line) stay as they are; the server
 * keeps the loser as a copy (S23).
 */
async function rebasePending(
  { db, spaceId, clientId, now }: Device,
  changes: PullResponse['changes'],
): Promise<void> {
  // One read of the space's waiting edits, not one query per pulled item: a first pull (nothing
  // waiting) costs a single empty read, and a page holds each item once (S10).
  const waiting = await db.outbox.where('[spaceId+state]').equals([spaceId, 'pending']).toArray();
  if (waiting.length === 0) return;
  const waitingByItem = new Map<string, OutboxEntry[]>();
  for (const entry of waiting) {
    const list = waitingByItem.get(entry.itemId);
    if (list) list.push(entry);
    else waitingByItem.set(entry.itemId, [entry]);
  }
  for (const { item: pulled } of changes) {
    if (pulled.conflict) continue;
    const pending = (waitingByItem.get(pulled.id) ?? []).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    if (pending.length === 0) continue;
    const known = await basesOf(db, spaceId, pulled.id);
    const values: Record<string, JsonValue> = {};
    for (const [name, entry] of Object.entries(pulled.fields)) {
      if (stampNode(entry.s) === clientId || typeof entry.v !== 'string') continue;
      const writes = pending.filter((other) => name in other.mutation.set);
      const first = writes[0];
      const row = first && known.find((other) => other.mutationId === first.mutationId);
      const seenStamp = first?.mutation.set[name]?.b;
      const mine = writes.at(-1)?.mutation.set[name]?.v;
      if (!row || row.fields[name] === undefined || typeof mine !== 'string') continue;
      if (seenStamp && seenStamp >= entry.s) continue;
      const merged = mergeConcurrent(row, known, name, mine, entry.v);
      if (merged !== null) values[name] = merged;
    }
    const names = Object.keys(values);
    if (names.length === 0) continue;
    for (const entry of pending) {
      if (!names.some((name) => name in entry.mutation.set)) continue;
      const set = { ...entry.mutation.set };
      for (const name of names) delete set[name];
      if (Object.keys(set).length === 0) {
        await db.outbox.delete(entry.seq);
        await db.editBases.delete(entry.mutationId);
      } else {
        const mutation = { ...entry.mutation, set };
        await db.outbox.update(entry.seq, { mutation, bytes: jsonBytes(mutation) });
      }
    }
    // The item takes the pulled version of those fields; the merged edit goes on top of it.
    const stored = await db.items.get([spaceId, pulled.id]);
    if (!stored) continue;
    const fields = { ...stored.fields };
    for (const name of names) fields[name] = pulled.fields[name]!;
    await db.items.put(toRow(spaceId, { ...itemStateOf(stored), fields }));
    await writeEdit(db, spaceId, { itemId: pulled.id, kind: stored.kind, values }, now);
  }
}

/**
 * This device's last edit of a text field lost at the server (its push answer said so), and a
 * pulled version of the item, the one it lost to, does not hold it: its text is merged back at
 * once, in the transaction that brings that version, instead of when the page with the copy of
 * the lost edit comes (S35). Then the copy is held by the item and goes (S32). Only the newest
 * edit of the field counts (pending ones are rebased above), and only once.
 */
async function mergeLost(
  { db, spaceId, clientId, now }: Device,
  changes: PullResponse['changes'],
  lostEdits: readonly string[],
): Promise<void> {
  const rows = (await db.editBases.bulkGet([...lostEdits])).filter((row) => row !== undefined);
  const pulled = new Set(changes.filter(({ item }) => !item.conflict).map(({ item }) => item.id));
  const handled = new Set<string>();
  for (const itemId of new Set(rows.map((row) => row.itemId))) {
    if (!pulled.has(itemId)) continue;
    const stored = await db.items.get([spaceId, itemId]);
    if (!stored) continue;
    const known = await basesOf(db, spaceId, itemId);
    const values: Record<string, JsonValue> = {};
    for (const row of rows.filter((lost) => lost.itemId === itemId)) {
      // Until the item shows someone else's version, the version the edit lost to is still to come.
      const fields = Object.entries(row.wrote ?? {});
      if (fields.some(([name]) => stampNode(stored.fields[name]?.s ?? clientId) === clientId)) continue;
      handled.add(row.mutationId);
      for (const [name, mine] of fields) {
        const current = stored.fields[name]?.v;
        if (typeof current !== 'string' || laterOwnEdit(row, known, name)) continue;
        if (holdsEveryLine(current, mine)) continue;
        const merged = mergeConcurrent(row, known, name, mine, current);
        if (merged !== null) values[name] = merged;
      }
    }
    if (Object.keys(values).length > 0)
      await writeEdit(db, spaceId, { itemId, kind: stored.kind, values }, now);
  }
  // Edits whose base rows are gone, or that were handled, are not remembered any longer.
  const kept = new Set(rows.map((row) => row.mutationId));
  const left = lostEdits.filter((id) => kept.has(id) && !handled.has(id));
  if (left.length !== lostEdits.length) await db.syncState.update(spaceId, { lostEdits: left });
}

function liveCopies(changes: PullResponse['changes'], reasons: readonly string[]): ItemState[] {
  return changes
    .map((change) => change.item)
    .filter((item) => item.conflict && reasons.includes(item.conflict.reason) && !isDeleted(item));
}

/**
 * Merges the conflict copies the server made of this device's text edits: where base / the
 * item now / the copy combine without overlap and without dropping a line, the merged text is
 * written to the item and the copy is dismissed; otherwise the copy stays for the user (S23).
 * Only the device that made the edit holds its base, so one device resolves each copy.
 */
async function mergeOwnCopies(device: Device, changes: PullResponse['changes']): Promise<void> {
  const { db, spaceId, clientId, now } = device;
  // Items whose copies may now be held by the item or by another copy (record fields, S23): a
  // pulled item that has copies (a later write can come to hold one made earlier), and the item
  // of each pulled copy without a text base. Each is checked once, after the text copies settled.
  const withCopies = new Set(
    (
      await db.items
        .where('[spaceId+conflictOf]')
        .between([spaceId, Dexie.minKey], [spaceId, Dexie.maxKey])
        .uniqueKeys()
    ).map((key) => (Array.isArray(key) ? String(key[1]) : '')),
  );
  const recheck = new Set(
    changes.filter(({ item }) => !item.conflict && withCopies.has(item.id)).map(({ item }) => item.id),
  );
  const copies = liveCopies(changes, ['lost', 'overwritten']);
  const bases =
    copies.length > 0 ? await db.editBases.bulkGet(copies.map((copy) => copy.conflict!.mutationId)) : [];
  for (const [index, copy] of copies.entries()) {
    const base = bases[index];
    const of = copy.conflict!.of;
    if (!base) {
      recheck.add(of);
      continue;
    }
    const stored = await db.items.get([spaceId, of]);
    if (!stored) continue;
    const known = await basesOf(db, spaceId, of);
    const values = resolveCopy(base, known, itemStateOf(stored), copy, clientId);
    if (!values) {
      await dropSupersededCopies(device, copy, Object.keys(base.fields));
      continue;
    }
    if (Object.keys(values).length > 0)
      await writeEdit(db, spaceId, { itemId: of, kind: stored.kind, values }, now);
    await dismiss(db, spaceId, copy, now);
  }
  for (const of of recheck) await dropHeldCopies(device, of);
}

/**
 * Someone else's write overwrote this device's text without having seen it (the server kept
 * this device's version in an `overwritten` copy of their edit). Their device settles that copy
 * (it holds the edit's base, and one device dismissing it keeps dismissals from meeting); this
 * device merges its own text back at once, in the transaction that brings their version, so the
 * editor never shows their text without what was typed here and the next keystroke does not
 * build on it (S22). A field whose text already holds it is left alone; an overlap is left to
 * the copy (S23).
 */
async function mergeOverwritten(
  { db, spaceId, clientId, now }: Device,
  changes: PullResponse['changes'],
): Promise<void> {
  for (const copy of liveCopies(changes, ['overwritten'])) {
    const conflict = copy.conflict!;
    if (stampNode(conflict.stamp) === clientId) continue;
    const stored = await db.items.get([spaceId, conflict.of]);
    if (!stored) continue;
    const known = await basesOf(db, spaceId, conflict.of);
    const values: Record<string, JsonValue> = {};
    for (const [name, entry] of Object.entries(copy.fields)) {
      const current = stored.fields[name];
      const overwritten = known.find((other) => other.stamp === entry.s);
      if (!overwritten || overwritten.wrote?.[name] === undefined || stampNode(entry.s) !== clientId)
        continue;
      if (typeof entry.v !== 'string' || typeof current?.v !== 'string') continue;
      // What this device typed last: a later edit of the field holds the overwritten one, and
      // merging the older text back would take the newer keys off the screen until their own
      // copy comes.
      const row = laterOwnEdit(overwritten, known, name) ?? overwritten;
      const mine = row === overwritten ? entry.v : row.wrote![name]!;
      // Already back in the item (this device merged it, or wrote it again on top).
      if (holdsEveryLine(current.v, mine)) continue;
      const merged = mergeConcurrent(row, known, name, mine, current.v);
      if (merged !== null && merged !== current.v) values[name] = merged;
    }
    if (Object.keys(values).length > 0)
      await writeEdit(db, spaceId, { itemId: conflict.of, kind: stored.kind, values }, now);
  }
}

// Live typing that lost several times leaves one copy per lost edit; each later one holds the
// earlier ones, so only the newest stays.
async function dropSupersededCopies(
  { db, spaceId, clientId, now }: Device,
  copy: ItemState,
  names: string[],
): Promise<void> {
  const of = copy.conflict?.of ?? '';
  const siblings = (await db.items.where('[spaceId+conflictOf]').equals([spaceId, of]).toArray())
    .map(itemStateOf)
    .filter((other) => other.id !== copy.id && !isDeleted(other) && other.conflict)
    .filter((other) => stampNode(other.conflict!.stamp) === clientId);
  for (const other of siblings) {
    const [older, newer] = other.conflict!.stamp < copy.conflict!.stamp ? [other, copy] : [copy, other];
    if (!supersedes(newer, older, names)) continue;
    await dismiss(db, spaceId, older, now);
    if (older === copy) return;
  }
}

// Copies of edits without a text base (record fields typed by two people at once): this
// device dismisses each copy of its own edits that the item, or another open copy, holds (S23).
async function dropHeldCopies({ db, spaceId, clientId, now }: Device, of: string): Promise<void> {
  const row = await db.items.get([spaceId, of]);
  if (!row) return;
  const current = itemStateOf(row);
  const open = (await db.items.where('[spaceId+conflictOf]').equals([spaceId, of]).toArray())
    .map(itemStateOf)
    .filter((copy) => copy.conflict && !isDeleted(copy));
  for (const copy of open) {
    if (stampNode(copy.conflict!.stamp) !== clientId) continue;
    // Another copy holds this one: the longer text, whichever stamp it has (two copies that hold
    // each other are equal, and the older goes).
    const heldElsewhere = open.some(
      (other) =>
        other !== copy &&
        holdsAll(other, copy) &&
        (!holdsAll(copy, other) || other.conflict!.stamp > copy.conflict!.stamp),
    );
    if (!holdsAll(current, copy) && !heldElsewhere) continue;
    await dismiss(db, spaceId, copy, now);
  }
}
