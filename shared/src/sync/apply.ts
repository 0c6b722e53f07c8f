import { isClientItemId, type Mutation } from './mutation';
import { fencedCopy, applyMutation, type MergeContext } from './merge';
import { Hlc, type Stamp } from './hlc';
import type { ItemState } from './item';
import type { TextOp } from './text-ops';
import type { VersionFront, VersionStore } from './versions';
import { jsonBytes, MAX_ITEM_BYTES, type MergedField, type MutationResult } from './protocol';

/** What the server remembers about a mutation it has seen, so a retry gets the same answer (S3). */
export type StoredResult =
  | { status: 'applied'; copies: string[]; merged?: Record<string, { s: Stamp; moved: TextOp | null }> }
  | { status: 'rejected'; code: RejectCode; message: string; copies: string[] };

/** Codes a single mutation can be rejected with, while the rest of its batch applies. */
export type RejectCode =
  'FENCED' | 'LOCK_CLAIM_INVALID' | 'KIND_MISMATCH' | 'ITEM_TOO_LARGE' | 'VALIDATION_FAILED';

/**
 * The storage the change log needs. The Durable Object implements it over SQLite inside one
 * `transactionSync`; tests implement it in memory. All methods are synchronous on purpose: a
 * batch is applied without yielding, so it is all or nothing (S3).
 */
export interface SyncStore {
  getItem(id: string): ItemState | null;
  /** Stores the item as the change with sequence number `seq`. */
  putItem(item: ItemState, seq: number): void;
  getResult(mutationId: string): StoredResult | null;
  putResult(mutationId: string, result: StoredResult): void;
  /** The highest sequence number given out so far (0 for a new space). */
  head(): number;
  /** The memory of every version (S36); without it text is not merged (S5 only). */
  readonly versions?: VersionStore;
}

/** The HLC node of the versions the server makes: merges (S37), revivals (S38), front edits. */
export const SERVER_NODE = 'server';

/** Who writes a batch, through which door, and when (server time): recorded with each version. */
export interface BatchWriter {
  author: string;
  front: VersionFront;
  now: number;
}

/**
 * Decides whether a mutation may write despite locks (S8); `null` lets it through. `FENCED` keeps
 * the refused write as a conflict copy; `LOCK_CLAIM_INVALID` (a claim on a lock that does not
 * guard the item, L15) is refused outright.
 */
export type FenceCheck = (
  mutation: Mutation,
) => { code: 'FENCED' | 'LOCK_CLAIM_INVALID'; message: string } | null;

/**
 * Applies a push batch in order and answers one result per mutation (S3, S6, S8). A mutation
 * id seen before is answered from memory and not applied again. Throws only on a broken
 * invariant; the caller's transaction then stores nothing of the batch.
 */
export function applyBatch(
  store: SyncStore,
  mutations: readonly Mutation[],
  fence: FenceCheck,
  writer: BatchWriter = { author: '', front: 'app', now: 0 },
): MutationResult[] {
  let seq = store.head();
  const context = mergeContext(store, writer);
  const put = (item: ItemState): void => {
    seq += 1;
    store.putItem(item, seq);
  };
  return mutations.map((mutation) => {
    const known = store.getResult(mutation.id);
    if (known) return toResult(mutation, known, store);
    const current = store.getItem(mutation.itemId);
    const stored = decide(current, mutation, fence, put, context);
    store.putResult(mutation.id, stored);
    return toResult(mutation, stored, store);
  });
}

function decide(
  current: ItemState | null,
  mutation: Mutation,
  fence: FenceCheck,
  put: (item: ItemState) => void,
  context: MergeContext | undefined,
): StoredResult {
  if (current === null && !isClientItemId(mutation.itemId)) {
    return reject(
      'VALIDATION_FAILED',
      `Item ${mutation.itemId} does not exist and its id is reserved for conflict copies.`,
    );
  }
  if (current !== null && current.kind !== mutation.kind) {
    return reject('KIND_MISMATCH', `Item ${mutation.itemId} is a ${current.kind}, not a ${mutation.kind}.`);
  }
  const fenced = fence(mutation);
  if (fenced?.code === 'LOCK_CLAIM_INVALID') return reject(fenced.code, fenced.message);
  if (fenced) {
    const copy = fencedCopy(current, mutation);
    put(copy);
    return { status: 'rejected', code: fenced.code, message: fenced.message, copies: [copy.id] };
  }
  const applied = applyMutation(current, mutation, context);
  if (applied.changed && jsonBytes(applied.item) > MAX_ITEM_BYTES) {
    return reject('ITEM_TOO_LARGE', `Item ${mutation.itemId} would be larger than ${MAX_ITEM_BYTES} bytes.`);
  }
  if (applied.changed) put(applied.item);
  for (const copy of applied.copies) put(copy);
  return {
    status: 'applied',
    copies: applied.copies.map((copy) => copy.id),
    ...(Object.keys(applied.merged).length > 0 ? { merged: applied.merged } : {}),
  };
}

function mergeContext(store: SyncStore, writer: BatchWriter): MergeContext | undefined {
  const versions = store.versions;
  if (!versions) return undefined;
  const clock = new Hlc(SERVER_NODE, () => writer.now);
  return {
    versions,
    author: writer.author,
    front: writer.front,
    now: writer.now,
    stamp(after) {
      clock.observe(after);
      return clock.now();
    },
  };
}

function reject(code: RejectCode, message: string): StoredResult {
  return { status: 'rejected', code, message, copies: [] };
}

// A rejected result carries the server's item as it is now (not as it was when first refused),
// so a client that retries after a lost reply repairs its copy against fresh state.
function toResult(mutation: Mutation, stored: StoredResult, store: SyncStore): MutationResult {
  if (stored.status === 'applied') {
    const merged = stored.merged && mergedFields(store, mutation.itemId, stored.merged);
    return { id: mutation.id, status: 'applied', copies: stored.copies, ...(merged ? { merged } : {}) };
  }
  return { id: mutation.id, ...stored, current: store.getItem(mutation.itemId) };
}

// A merged write's answer names the merged versions themselves, not the item now: a retry after
// a lost reply gets the same answer (S3), and the device moves onto the version the edit is exact for.
function mergedFields(
  store: SyncStore,
  itemId: string,
  merged: Record<string, { s: Stamp; moved: TextOp | null }>,
): Record<string, MergedField> | undefined {
  const out: Record<string, MergedField> = {};
  for (const [field, { s, moved }] of Object.entries(merged)) {
    const version = store.versions?.get(itemId, field, s);
    if (version) out[field] = { v: version.value, s, moved };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
