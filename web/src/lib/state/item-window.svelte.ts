import { db, liveQuery, type LocalItem } from '../db/db';
import {
  countListed,
  listVersion,
  pageListed,
  rowsByIds,
  scanListed,
  type ListRange,
  type ScanCursor,
} from '../db/place-index';
import { matchesWords, queryWords, toView, type ItemView } from '../items/item-view';
import { itemStateOf } from '../db/rows';

/** Rows read per step of the window, and per step of a search. */
const PAGE = 40;
const SCAN_CHUNK = 500;

/** A list of the space view: where (place, kind, since) and what to search for. */
export interface ListSpec extends ListRange {
  query: string;
}

function viewOf(row: LocalItem): ItemView {
  return toView(itemStateOf(row));
}

/**
 * The rows of one list of the space view that are in view (S27). Without a search it reads the
 * page around the visible rows through an index, inside a liveQuery, so a change re-reads that
 * page and the count only. A search streams over the list in chunks, newest first, keeping the
 * ids of the matches only, and shows them as they are found ("Searching… n of total"); it starts
 * again when the list changes. Create it during component initialisation (it uses `$effect`).
 */
export class ItemWindow {
  /** Rows in the list, or the matches found so far while searching. */
  total = $state(0);
  /** While searching: rows looked at, and how many the list has. */
  scanned = $state(0);
  scanOf = $state(0);
  searching = $state(false);
  loaded = $state(false);
  error = $state.raw<unknown>(undefined);
  /** The rows read, from list position `start` on (a hole is a row gone since a search found it). */
  #rows = $state.raw<{ start: number; views: readonly (ItemView | undefined)[] }>({ start: 0, views: [] });
  #first = $state(0);
  #last = $state(PAGE);
  #winStart = $derived(Math.floor(this.#first / PAGE) * PAGE);
  #winEnd = $derived(Math.max(Math.ceil(this.#last / PAGE) * PAGE, this.#winStart + PAGE));
  /** The ids a search found, in list order; replaced (and `#generation` moved) when it restarts. */
  #found: string[] = [];
  #generation = $state(0);
  /** How far the window reaches into what a search found so far. */
  #foundEnd = $derived(Math.min(this.total, this.#winEnd));
  #listKey = '';

  constructor(spec: () => ListSpec) {
    const words = $derived(queryWords(spec().query));
    $effect(() => {
      const list = spec();
      this.#forget(list);
      if (words.length > 0) return;
      const [start, end] = [this.#winStart, this.#winEnd];
      const subscription = liveQuery(() => pageListed(db, list, start, end - start)).subscribe({
        next: ({ total, rows }) => {
          this.total = total;
          this.#rows = { start, views: rows.map(viewOf) };
          this.loaded = true;
          this.error = undefined;
        },
        error: (error: unknown) => this.#fail(error),
      });
      return () => subscription.unsubscribe();
    });
    $effect(() => {
      const list = spec();
      if (words.length === 0) {
        this.searching = false;
        return;
      }
      let run = { stopped: true };
      let seen = '';
      const subscription = liveQuery(() => listVersion(db, list)).subscribe({
        next: (version) => {
          if (version === seen) return;
          seen = version;
          run.stopped = true;
          run = { stopped: false };
          void this.#search(list, words, run);
        },
        error: (error: unknown) => this.#fail(error),
      });
      return () => {
        subscription.unsubscribe();
        run.stopped = true;
      };
    });
    $effect(() => {
      const { spaceId } = spec();
      void this.#generation;
      if (words.length === 0) return;
      const start = this.#winStart;
      const ids = this.#found.slice(start, this.#foundEnd);
      const subscription = liveQuery(() => rowsByIds(db, spaceId, ids)).subscribe({
        next: (rows) => {
          this.#rows = { start, views: rows.map((row) => (row ? viewOf(row) : undefined)) };
        },
        error: (error: unknown) => this.#fail(error),
      });
      return () => subscription.unsubscribe();
    });
  }

  /** The row at `index` of the list, once read. */
  at(index: number): ItemView | undefined {
    return this.#rows.views[index - this.#rows.start];
  }

  /** The list shows rows `first` to `last` (exclusive): the window follows. */
  show(first: number, last: number): void {
    this.#first = first;
    this.#last = last;
  }

  /** Rows of another list must not show in this one while its first page loads. */
  #forget(list: ListSpec): void {
    const key = JSON.stringify(list);
    if (key === this.#listKey) return;
    this.#listKey = key;
    this.#rows = { start: 0, views: [] };
  }

  #fail(error: unknown): void {
    this.error = error;
    this.loaded = true;
  }

  async #search(list: ListSpec, words: readonly string[], run: { stopped: boolean }): Promise<void> {
    const found: string[] = [];
    this.#found = found;
    this.#generation++;
    this.total = 0;
    this.scanned = 0;
    this.searching = true;
    try {
      this.scanOf = await countListed(db, list);
      let from: ScanCursor | null = null;
      do {
        const chunk = await scanListed(db, list, from, SCAN_CHUNK);
        if (run.stopped) return;
        for (const row of chunk.rows) if (matchesWords(viewOf(row), words)) found.push(row.id);
        this.scanned += chunk.rows.length;
        this.total = found.length;
        from = chunk.next;
      } while (from);
      this.loaded = true;
      this.error = undefined;
    } catch (error) {
      if (!run.stopped) this.#fail(error);
    } finally {
      if (!run.stopped) this.searching = false;
    }
  }
}
