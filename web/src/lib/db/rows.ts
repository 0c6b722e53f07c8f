import type { ItemState } from '#shared/sync/item';
import { importedConflict } from './imported-conflict';
import type { LocalItem } from './tables';

// The item states the rows of the device's database hold, as every reader takes them: the sync
// engine's merge and the screens alike. Writing rows is ./row-writes.ts (loaded with the first
// edit or sync, not with the first screen).

/**
 * The item as the shared merge sees it (without the local bookkeeping). A copy brought in by an
 * import (S18) carries its label in fields; a row stored before the label was read back gets it here.
 */
export function itemStateOf(row: LocalItem): ItemState {
  const item: ItemState = { id: row.id, kind: row.kind, fields: row.fields };
  const conflict = row.conflict ?? importedConflict(row);
  if (conflict) item.conflict = conflict;
  return item;
}

/** The item as screens see it: its state, and how each text moved from one stored version to the next, for an open editor (S39). */
export function itemWithMovesOf(row: LocalItem): ItemState & Pick<LocalItem, 'moves'> {
  const item: ItemState & Pick<LocalItem, 'moves'> = itemStateOf(row);
  if (row.moves) item.moves = row.moves;
  return item;
}
