import type { JsonValue } from '#shared/sync/item';
import type { ItemEdit } from '../items/items-port';

// A page that goes away (reload, close, a hidden tab discarded) loses an IndexedDB transaction
// that had not committed, and an edit waiting behind a slow one never starts (S34). So while the
// page is hidden or leaving, every edit handed to IndexedDB and not yet stored is also kept in
// localStorage, which writes synchronously; the next page of this browser stores it.

const PREFIX = 'baton.unstored.';

/** An edit this page asked for, and where. */
export interface PageEdit {
  spaceId: string;
  edit: ItemEdit;
}

/**
 * An edit this page stored, with its stamp and its values as stored (merged with what moved
 * under it): an edit sent while it was on its way builds on it.
 */
export interface StoredEdit extends PageEdit {
  stamp: string;
  values?: Record<string, JsonValue>;
}

/** What a page left unstored, in the order it asked, with its latest stored edit per item. */
export interface PageJournal {
  waiting: PageEdit[];
  stored: StoredEdit[];
}

function itemKey(spaceId: string, itemId: string): string {
  return `${spaceId}\u0000${itemId}`;
}

/** The name of the Web Lock a page holds for as long as it lives. */
export function pageLockName(pageId: string): string {
  return `${PREFIX}page.${pageId}`;
}

/** The localStorage key of a page's journal. */
export function journalKey(pageId: string): string {
  return PREFIX + pageId;
}

/**
 * This page's edits between the call and the commit. {@link keep} writes them to storage; after
 * that every change to them is written too, until each is stored and the key goes away.
 */
export class UnstoredEdits {
  readonly #waiting = new Map<number, PageEdit>();
  /** How many edits of each item (by {@link itemKey}) are waiting. */
  readonly #waitingOf = new Map<string, number>();
  /** Tickets whose write failed: kept until a later edit of the same item is stored. */
  readonly #failed = new Set<number>();
  /** Per item, this page's latest stored edit, while an edit sent before it was stored waits. */
  readonly #stored = new Map<string, StoredEdit>();
  #next = 0;
  /** Hidden or leaving: every change is written to storage. */
  #keeping = false;
  /** Storage holds this page's journal: it is rewritten until it is empty. */
  #inStorage = false;

  constructor(
    private readonly storage: Storage,
    readonly pageId: string,
  ) {}

  /** An edit is on its way to IndexedDB: answers the ticket to pass to {@link stored}. */
  begin(spaceId: string, edit: ItemEdit): number {
    const ticket = this.#next++;
    this.#waiting.set(ticket, { spaceId, edit });
    const key = itemKey(spaceId, edit.itemId);
    this.#waitingOf.set(key, (this.#waitingOf.get(key) ?? 0) + 1);
    if (this.#keeping) this.#write();
    return ticket;
  }

  /**
   * The edit of `ticket` is stored as `stamp`, holding `values`. An earlier failed edit of the
   * item is held by it.
   */
  stored(ticket: number, stamp: string, values: Record<string, JsonValue>): void {
    const done = this.#waiting.get(ticket);
    if (!done) return;
    const key = itemKey(done.spaceId, done.edit.itemId);
    this.#settle(ticket, key);
    for (const earlier of this.#failed) {
      const edit = this.#waiting.get(earlier);
      if (earlier < ticket && edit && itemKey(edit.spaceId, edit.edit.itemId) === key)
        this.#settle(earlier, key);
    }
    // Only an edit sent while this one was on its way is based where this one was: kept for it.
    if (this.#waitingOf.has(key)) this.#stored.set(key, { ...done, stamp, values });
    else this.#stored.delete(key);
    if (this.#keeping || this.#inStorage) this.#write();
  }

  /**
   * The write of `ticket` failed (the editor says so and writes again on the next key). It stays
   * unstored: kept if the page goes before a later edit of the item is stored.
   */
  failed(ticket: number): void {
    if (this.#waiting.has(ticket)) this.#failed.add(ticket);
  }

  #settle(ticket: number, key: string): void {
    this.#waiting.delete(ticket);
    this.#failed.delete(ticket);
    const left = (this.#waitingOf.get(key) ?? 1) - 1;
    if (left > 0) this.#waitingOf.set(key, left);
    else this.#waitingOf.delete(key);
  }

  /** The page is hidden or leaving: from now on, what is not stored is kept in storage too. */
  keep(): void {
    this.#keeping = true;
    this.#write();
  }

  /** The page is shown again: new edits need no keeping; what is kept goes once stored. */
  shown(): void {
    this.#keeping = false;
  }

  #write(): void {
    const key = journalKey(this.pageId);
    try {
      if (this.#waiting.size === 0) {
        this.storage.removeItem(key);
        this.#inStorage = false;
        return;
      }
      const journal: PageJournal = {
        waiting: [...this.#waiting.values()],
        stored: [...this.#stored.values()],
      };
      this.storage.setItem(key, JSON.stringify(journal));
      this.#inStorage = true;
    } catch (error) {
      // Storage full or blocked: the edits are still on their way to IndexedDB.
      console.warn('Could not keep unsaved edits in localStorage', error);
    }
  }
}

/** The page whose journal `key` is, or null for any other key. */
export function pageOfJournalKey(key: string): string | null {
  return key.startsWith(PREFIX) && !key.startsWith(pageLockName('')) ? key.slice(PREFIX.length) : null;
}

/** The pages other than `ownPageId` whose journals are in `storage`. */
export function leftPageIds(storage: Storage, ownPageId: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const pageId = pageOfJournalKey(storage.key(i) ?? '');
    if (pageId !== null && pageId !== ownPageId) found.push(pageId);
  }
  return found;
}
