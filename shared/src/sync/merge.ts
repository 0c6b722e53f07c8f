import { stampNode } from './hlc';
import {
  CONFLICT_REASON,
  DELETED_FIELD,
  isDeleted,
  type ConflictReason,
  type Entry,
  type ItemState,
} from './item';
import type { Mutation } from './mutation';

// Everything here decides by stamps alone. Field values are copied, never read, compared or
// parsed, so a space whose values are ciphertext merges the same way (S5).

/** The winner of two entries for one field: the newer stamp (the client id inside breaks ties). */
export function mergeEntry(a: Entry | undefined, b: Entry | undefined): Entry | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.s > a.s ? b : a;
}

/**
 * Merges two replicas of the same item, field by field, last writer wins by HLC stamp (S4).
 * Commutative, associative and idempotent, so replicas that saw the same writes in any order
 * hold the same item. Kinds never change after creation; if two replicas disagree (two
 * devices made the same id, which random ids rule out in practice) the smaller kind wins.
 */
export function mergeItems(a: ItemState, b: ItemState): ItemState {
  const fields: Record<string, Entry> = { ...a.fields };
  for (const [name, entry] of Object.entries(b.fields)) {
    const winner = mergeEntry(fields[name], entry);
    if (winner) fields[name] = winner;
  }
  const merged: ItemState = { id: a.id, kind: a.kind <= b.kind ? a.kind : b.kind, fields: sortKeys(fields) };
  const conflict = a.conflict ?? b.conflict;
  if (conflict) merged.conflict = conflict;
  return merged;
}

/** The item a mutation alone would make: its writes as entries with the mutation's stamp. */
export function itemOfMutation(mutation: Mutation): ItemState {
  const fields: Record<string, Entry> = {};
  for (const [name, write] of Object.entries(mutation.set)) fields[name] = { v: write.v, s: mutation.stamp };
  return { id: mutation.itemId, kind: mutation.kind, fields };
}

/** The outcome of applying one mutation on the server. */
export interface Applied {
  /** The item after the mutation. */
  item: ItemState;
  /** True when the item changed (a mutation that lost every field changes nothing). */
  changed: boolean;
  /** Conflict copies to store beside the item (S6). */
  copies: ItemState[];
}

/**
 * Applies a mutation to the server's copy of its item and finds the writes that conflict (S6):
 * a write that loses to a concurrent write by another client becomes a `lost` copy; a
 * concurrent write by another client that this mutation overwrites is kept in an `overwritten`
 * copy; an edit of an item someone else deleted is kept in a `deleted` copy. Two writes are
 * concurrent when they come from different clients and the writer's base stamp for the field
 * is not the stamp it replaces.
 */
export function applyMutation(current: ItemState | null, mutation: Mutation): Applied {
  const before: ItemState = current ?? { id: mutation.itemId, kind: mutation.kind, fields: {} };
  const node = stampNode(mutation.stamp);
  const lost: string[] = [];
  let overwritten = false;
  let changed = false;
  const fields: Record<string, Entry> = { ...before.fields };
  for (const [name, write] of Object.entries(mutation.set)) {
    const existing = fields[name];
    const concurrent = existing !== undefined && stampNode(existing.s) !== node && existing.s !== write.b;
    if (existing === undefined || mutation.stamp > existing.s) {
      fields[name] = { v: write.v, s: mutation.stamp };
      changed = true;
      if (concurrent) overwritten = true;
    } else if (mutation.stamp < existing.s && concurrent) {
      lost.push(name);
    }
  }
  const item: ItemState = { ...before, fields: sortKeys(fields) };
  const copies: ItemState[] = [];
  if (lost.length > 0) {
    const mine: Record<string, Entry> = { ...item.fields };
    for (const name of lost) mine[name] = { v: mutation.set[name]!.v, s: mutation.stamp };
    copies.push(conflictCopy(item, mine, mutation, CONFLICT_REASON.lost));
  }
  if (overwritten) copies.push(conflictCopy(before, before.fields, mutation, CONFLICT_REASON.overwritten));
  const writesData = Object.keys(mutation.set).some((name) => name !== DELETED_FIELD);
  const tombstone = item.fields[DELETED_FIELD];
  if (writesData && isDeleted(item) && tombstone && stampNode(tombstone.s) !== node) {
    copies.push(conflictCopy(item, item.fields, mutation, CONFLICT_REASON.deleted));
  }
  return { item, changed, copies };
}

/**
 * The copy kept when a mutation is fenced off by a lock (S8): the server's item with all of
 * the mutation's writes on top, so the user can compare and restore.
 */
export function fencedCopy(current: ItemState | null, mutation: Mutation): ItemState {
  const base = current ?? { id: mutation.itemId, kind: mutation.kind, fields: {} };
  const fields: Record<string, Entry> = { ...base.fields };
  for (const [name, write] of Object.entries(mutation.set)) fields[name] = { v: write.v, s: mutation.stamp };
  return conflictCopy(base, fields, mutation, CONFLICT_REASON.fenced);
}

const COPY_SUFFIX: Record<ConflictReason, string> = {
  lost: 'l',
  overwritten: 'o',
  deleted: 'd',
  fenced: 'f',
};

/** True when `copyId` (as a push result lists a mutation's copies) is that mutation's `lost` copy. */
export function isLostCopyId(copyId: string): boolean {
  return copyId.endsWith(`~${COPY_SUFFIX.lost}`);
}

/** A conflict copy: a new item whose id derives from the mutation id, so retries make the same copy. */
function conflictCopy(
  of: ItemState,
  fields: Record<string, Entry>,
  mutation: Mutation,
  reason: ConflictReason,
): ItemState {
  const copyFields: Record<string, Entry> = {};
  // The copy is a live item even when the original is deleted, so the user can see and restore it.
  for (const [name, entry] of Object.entries(fields)) if (name !== DELETED_FIELD) copyFields[name] = entry;
  return {
    id: `${mutation.id}~${COPY_SUFFIX[reason]}`,
    kind: of.kind,
    fields: sortKeys(copyFields),
    conflict: { of: of.conflict?.of ?? of.id, reason, mutationId: mutation.id, stamp: mutation.stamp },
  };
}

// Sorted keys make equal items serialise equally, which keeps comparisons and hashes simple.
function sortKeys(fields: Record<string, Entry>): Record<string, Entry> {
  const sorted: Record<string, Entry> = {};
  for (const name of Object.keys(fields).sort()) sorted[name] = fields[name]!;
  return sorted;
}
