import type { BatonDatabase } from './db';

type Listener = (db: BatonDatabase, spaceId: string) => void;
const listeners = new Set<Listener>();

/**
 * Tells this tab's sync engine at once that edits of a space were committed, so a live edit
 * goes up without waiting for a live query to notice the outbox grew (edits of other tabs still
 * arrive that way). Returns the unsubscribe function.
 */
export function onOutboxGrew(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called by the write path after each commit. */
export function signalOutboxGrew(db: BatonDatabase, spaceId: string): void {
  for (const listener of listeners) listener(db, spaceId);
}
