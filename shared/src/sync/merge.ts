import { stampNode, type Stamp } from './hlc';
import {
  CONFLICT_REASON,
  DELETED_FIELD,
  isDeleted,
  type ConflictReason,
  type Entry,
  type ItemState,
  type JsonValue,
} from './item';
import type { Mutation } from './mutation';
import type { TextOp } from './text-ops';
import {
  editSince,
  isTextField,
  mergeTextWrite,
  textOf,
  withText,
  type FieldVersion,
  type VersionFront,
  type VersionStore,
} from './versions';

// Without a merge context everything here decides by stamps alone: field values are copied,
// never read, so a space whose values are ciphertext merges the same way (S5). With one (the
// space's object, S37), text fields written on an older version are merged character by
// character.

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
  /**
   * Text fields merged with the current version (S37), each with the exact edit from the written
   * text to the merged one (null where overlapping changes were left out).
   */
  merged: Record<string, { s: Stamp; moved: TextOp | null }>;
}

/**
 * What lets the server merge text written on an older version (S36, S37): the memory of every
 * version, a stamp for each merged version, and who writes through which door.
 */
export interface MergeContext {
  versions: VersionStore;
  /** A new stamp newer than every stamp seen so far (the server's clock). */
  stamp(after: Stamp): Stamp;
  author: string;
  front: VersionFront;
  now: number;
}

/**
 * Applies a mutation to the server's copy of its item and finds the writes that conflict (S6):
 * a write that loses to a concurrent write by another client becomes a `lost` copy; a
 * concurrent write by another client that this mutation overwrites is kept in an `overwritten`
 * copy. Two writes are concurrent when they come from different clients and the writer's base
 * stamp for the field is not the stamp it replaces. With a {@link MergeContext}, every write is
 * remembered as a version (S36), a text field written on a version the store knows is merged
 * into the current one instead (S37): no copy unless the two changed the same characters, and
 * an edit of an item someone else deleted brings it back (S38).
 */
export function applyMutation(
  current: ItemState | null,
  mutation: Mutation,
  context?: MergeContext,
): Applied {
  const before: ItemState = current ?? { id: mutation.itemId, kind: mutation.kind, fields: {} };
  const node = stampNode(mutation.stamp);
  const lost: string[] = [];
  const merged: Record<string, { s: Stamp; moved: TextOp | null }> = {};
  const conflicted: Record<string, Entry> = {};
  let overwritten = false;
  let changed = false;
  const fields: Record<string, Entry> = { ...before.fields };
  for (const [name, write] of Object.entries(mutation.set)) {
    const existing = fields[name];
    context?.versions.add(versionOf(mutation, name, write.v, write.b, context));
    if (context && existing && write.b !== existing.s && write.b !== null && isTextField(name)) {
      const result = mergeWrite(context, mutation, name, write.v, write.b, existing);
      if (result) {
        fields[name] = result.entry;
        changed = true;
        merged[name] = { s: result.entry.s, moved: result.moved };
        if (result.conflict) conflicted[name] = { v: write.v, s: mutation.stamp };
        continue;
      }
    }
    const concurrent = existing !== undefined && stampNode(existing.s) !== node && existing.s !== write.b;
    if (existing === undefined || mutation.stamp > existing.s) {
      fields[name] = { v: write.v, s: mutation.stamp };
      changed = true;
      if (concurrent) overwritten = true;
      if (existing && context && isTextField(name))
        context.versions.link(mutation.itemId, name, existing.s, mutation.stamp, null);
    } else if (mutation.stamp < existing.s && concurrent) {
      lost.push(name);
    }
  }
  const writesData = Object.keys(mutation.set).some((name) => name !== DELETED_FIELD);
  const tombstone = fields[DELETED_FIELD];
  const revived =
    context !== undefined && writesData && tombstone?.v === true && stampNode(tombstone.s) !== node;
  if (revived) {
    // S38: someone edited what another person deleted without having seen the delete: the item
    // comes back with their edit, and the delete stays in its history.
    const stamp = context.stamp(tombstone.s > mutation.stamp ? tombstone.s : mutation.stamp);
    fields[DELETED_FIELD] = { v: false, s: stamp };
    context.versions.add({ ...versionOf(mutation, DELETED_FIELD, false, tombstone.s, context), stamp });
    changed = true;
  }
  const item: ItemState = { ...before, fields: sortKeys(fields) };
  const copies: ItemState[] = [];
  if (lost.length > 0 || Object.keys(conflicted).length > 0) {
    const mine: Record<string, Entry> = { ...item.fields, ...conflicted };
    for (const name of lost) mine[name] = { v: mutation.set[name]!.v, s: mutation.stamp };
    copies.push(conflictCopy(item, mine, mutation, CONFLICT_REASON.lost));
  }
  if (overwritten) copies.push(conflictCopy(before, before.fields, mutation, CONFLICT_REASON.overwritten));
  if (!revived && writesData && isDeleted(item) && tombstone && stampNode(tombstone.s) !== node) {
    copies.push(conflictCopy(item, item.fields, mutation, CONFLICT_REASON.deleted));
  }
  return { item, changed, copies, merged };
}

function versionOf(
  mutation: Mutation,
  field: string,
  value: JsonValue,
  base: Stamp | null,
  context: MergeContext,
): FieldVersion {
  return {
    itemId: mutation.itemId,
    field,
    stamp: mutation.stamp,
    value,
    base,
    mergedFrom: null,
    next: null,
    op: null,
    author: context.author,
    front: context.front,
    at: context.now,
    mutationId: mutation.id,
  };
}

/**
 * Merges one text write made on version `base` into the field's current entry (S37), recording
 * the merged version and how both sides reach it; null when the base is not a known text.
 */
function mergeWrite(
  context: MergeContext,
  mutation: Mutation,
  name: string,
  written: JsonValue,
  base: Stamp,
  existing: Entry,
): { entry: Entry; conflict: boolean; moved: TextOp | null } | null {
  const writtenText = textOf(name, written);
  const currentText = textOf(name, existing.v);
  if (writtenText === null || currentText === null) return null;
  const since = editSince(context.versions, mutation.itemId, name, base, existing.s);
  if (!since) return null;
  const result = mergeTextWrite(since.text, writtenText, since.op, currentText);
  const value = withText(written, result.text);
  const stamp = context.stamp(existing.s > mutation.stamp ? existing.s : mutation.stamp);
  context.versions.add({
    ...versionOf(mutation, name, value, existing.s, context),
    stamp,
    mergedFrom: mutation.stamp,
    front: 'merge',
  });
  context.versions.link(mutation.itemId, name, existing.s, stamp, result.fromCurrent);
  context.versions.link(mutation.itemId, name, mutation.stamp, stamp, result.fromWritten);
  return { entry: { v: value, s: stamp }, conflict: result.conflict, moved: result.fromWritten };
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
