import type { ItemState } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import type { TextMove } from '#shared/sync/text-moves';

// The rows the device's tables hold (./db.ts declares the tables and their indexes).

/** A space as this device knows it. Local-only spaces have no cloud id yet. */
export interface LocalSpace {
  id: string;
  name: string;
  createdAt: number;
}

/**
 * An item on this device: the replica every tab reads (docs/spec/sync.md). The fields and their
 * stamps are the shared `ItemState`; `updatedAt` (wall time of the newest stamp) sorts lists, and
 * `conflictOf` indexes conflict copies (S6), which are items like any other and sync everywhere.
 */
export interface LocalItem extends ItemState {
  spaceId: string;
  updatedAt: number;
  conflictOf?: string;
  /** Where the space view lists it (live in a folder, trash, conflict copy), set on every write (S27). */
  place?: string;
  /**
   * Per text field, the last exact steps from one stored version to the next (S39), so an open
   * editor, or a write made on an older version, moves along them instead of guessing.
   */
  moves?: Record<string, TextMove[]>;
}

/** A local edit waiting to go up (S1, S2), or refused by the server and kept visible until the user acts. */
export interface OutboxEntry {
  /** Order of the edits on this device (auto-increment). */
  seq?: number;
  spaceId: string;
  mutationId: string;
  itemId: string;
  mutation: Mutation;
  /** Size of the mutation as JSON, for the batch byte bound. */
  bytes: number;
  state: 'pending' | 'rejected';
  /** Why the server refused it (state `rejected`). */
  code?: string;
  message?: string;
  createdAt: number;
}

export type { TextMove } from '#shared/sync/text-moves';

/** Where this device stands with one space's sync. */
export interface SyncState {
  spaceId: string;
  /** This device's HLC node id for the space. */
  clientId: string;
  /** The last change sequence pulled (S10). */
  after: number;
  /** The HLC's last stamp, persisted so every tab and every restart continues from it. */
  lastStamp: string | null;
  /** Server time minus local time at the last exchange, used as the HLC's physical clock (S9). */
  clockOffsetMs: number;
  lastSyncedAt: number | null;
  lastError: { code: string; message: string; at: number } | null;
}
