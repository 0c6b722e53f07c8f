import { db } from '../db/db';
import { drafts } from './drafts.svelte';
import { leftPageIds, pageLockName, pageOfJournalKey, UnstoredEdits } from '../journal/unstored-edits';
import { memoryStorage } from '../journal/memory-storage';

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

/** Pages whose journal this page waits to store (their lock is asked for). */
const awaited = new Set<string>();

/**
 * Stores what other pages of this browser left unstored, each once that page is gone (its lock
 * is free): those found now, and those another tab writes later (it is hidden or closing), so an
 * open tab takes over what a closed one could not store. The status says "Saving…" meanwhile. A
 * journal that fails to store stays for the next page.
 */
export function storeLeftEdits(): void {
  if (!inBrowser) return;
  for (const left of leftPageIds(localStorage, pageId)) storeOnceGone(left);
  addEventListener('storage', (event) => {
    const left = event.key === null ? null : pageOfJournalKey(event.key);
    if (left !== null && left !== pageId && event.newValue !== null) storeOnceGone(left);
  });
}

function storeOnceGone(left: string): void {
  if (awaited.has(left)) return;
  awaited.add(left);
  const store = async (): Promise<void> => {
    const token = Symbol('left edits');
    drafts.hold(token);
    try {
      const { storeLeftJournal } = await import('../db/unstored-replay');
      // Read there, once the lock is ours: another page may have stored it meanwhile.
      await storeLeftJournal(db, localStorage, left);
    } catch (error) {
      console.error('Could not store the edits a closed page left', error);
    } finally {
      drafts.release(token);
      awaited.delete(left);
    }
  };
  if (navigator.locks) void navigator.locks.request(pageLockName(left), store);
  else void store();
}
