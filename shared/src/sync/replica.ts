import type { ItemState } from './item';
import { itemOfMutation, mergeItems } from './merge';
import { makeMutation, type Mutation, type MutationInput } from './mutation';

// The client's side of the merge, as pure functions over one item; the Dexie-backed engine in
// web/ and the in-memory replicas of the convergence fuzz both use these.

/** A local edit: the mutation for the outbox and the item as the user now sees it (S1). */
export function localEdit(
  local: ItemState | null,
  input: MutationInput,
): { mutation: Mutation; item: ItemState } {
  const mutation = makeMutation(local, input);
  const written = itemOfMutation(mutation);
  return { mutation, item: local ? mergeItems(local, written) : written };
}

/**
 * Folds a pulled item into the local one (S4). Local writes still waiting in the outbox keep
 * their place when their stamps are newer, exactly as they will on the server.
 */
export function applyPulled(local: ItemState | null, pulled: ItemState): ItemState {
  return local ? mergeItems(local, pulled) : pulled;
}

/**
 * The local item after a write of it was refused (S8): the server's current item with the
 * writes still waiting in the outbox on top, so the refused write disappears from view (it
 * lives on in its conflict copy) and the replica agrees with the server again.
 */
export function rebase(current: ItemState | null, pending: readonly Mutation[]): ItemState | null {
  let item = current;
  for (const mutation of pending) {
    const written = itemOfMutation(mutation);
    item = item ? mergeItems(item, written) : written;
  }
  return item;
}
