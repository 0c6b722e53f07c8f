import type { ConflictInfo, ItemState } from '#shared/sync/item';
import { CONFLICT_REASON, type ConflictReason } from '#shared/sync/item-state';

/**
 * A conflict copy brought in by an import (S18). Only the server makes conflict copies (their ids
 * and `conflict` record are its own), so an imported copy is an ordinary item that carries its
 * label in two fields; the replica reads them back as the item's `conflict`, so the copy is listed
 * on the conflicts screen and kept out of the item list like any other.
 */
export const IMPORTED_CONFLICT = { of: 'conflict:of', reason: 'conflict:reason' } as const;

/** The fields an imported conflict copy carries, for a restore to leave out. */
export const IMPORTED_CONFLICT_FIELDS: readonly string[] = Object.values(IMPORTED_CONFLICT);

const REASONS: readonly string[] = Object.values(CONFLICT_REASON);

/** The conflict an imported copy's fields describe, or undefined for any other item. */
export function importedConflict(item: ItemState): ConflictInfo | undefined {
  const of = item.fields[IMPORTED_CONFLICT.of];
  const reason = item.fields[IMPORTED_CONFLICT.reason]?.v;
  if (typeof of?.v !== 'string' || of.v === '') return undefined;
  return {
    of: of.v,
    reason: typeof reason === 'string' && REASONS.includes(reason) ? (reason as ConflictReason) : 'lost',
    mutationId: '',
    stamp: of.s,
  };
}
