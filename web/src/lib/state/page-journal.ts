import { db } from '../db/db';
import { drafts } from './drafts.svelte';
import { dropJournal, leftJournals, pageLockName, readJournal, UnstoredEdits } from './unstored-edits';

// This page's journal of edits not yet stored (S34), written to localStorage while the page is
// hidden or leaving, and the replay of the journals other pages of this browser left behind.

const inBrowser = typeof window !== 'undefined' && typeof localStorage !== 'undefined';
const pageId = crypto.randomUUID();

/** This page's edits between the call and the commit. */
export const pageEdits = new UnstoredEdits(inBrowser ? localStorage : memoryStorage(), pageId);

if (inBrowser) {
  addEventListener('pagehide', () => pageEdits.keep());
  addEventListener('pageshow', () => pageEdits.shown());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') pageEdits.keep();
    else pageEdits.shown();
  });
  // Held for as long as this page lives: a later page stores this one's journal only once the
  // lock is free, so a hidden tab that is still alive finishes its own writes.
  void navigator.locks?.request(pageLockName(pageId), () => new Promise<never>(() => {}));
}

/**
 * Stores what other pages of this browser left unstored, each once that page is gone (its lock
 * is free). The status says "Saving…" meanwhile. A journal that fails to store stays for the next
 * page.
 */
export function storeLeftEdits(): void {
  if (!inBrowser) return;
  for (const left of leftJournals(localStorage, pageId).keys()) {
    const store = async (): Promise<void> => {
      // Read again: another page may have stored it while this one waited for the lock.
      const journal = readJournal(localStorage, left);
      if (!journal) return;
      const token = Symbol('left edits');
      drafts.hold(token);
      try {
        const { storeJournal } = await import('../db/unstored-replay');
        await storeJournal(db, journal);
        dropJournal(localStorage, left);
      } catch (error) {
        console.error('Could not store the edits a closed page left', error);
      } finally {
        drafts.release(token);
      }
    };
    if (navigator.locks) void navigator.locks.request(pageLockName(left), store);
    else void store();
  }
}

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}
