import type { HistoryEdit, RestoreRequest, VersionFrontSchema } from '#shared/history/protocol';
import type { ItemState } from '#shared/sync/item';
import type * as v from 'valibot';
import { fetchHistory, nameVersion, restoreVersion } from './history-api';

/** What the app calls each front (V1). */
export const FRONT_LABEL: Record<v.InferOutput<typeof VersionFrontSchema>, string> = {
  app: 'in the app',
  webdav: 'over WebDAV',
  lfs: 'through Git LFS',
  import: 'by an import',
  restore: 'by a restore',
  merge: 'merged',
};

/** The last restore made on this screen, so it can be undone at once (V7). */
export interface LastRestore {
  stamp: string;
  what: string;
}

/** One item's history as the History screen shows it: pages of edits, restores, names. */
export class ItemHistory {
  item = $state.raw<ItemState | null>(null);
  edits = $state.raw<HistoryEdit[]>([]);
  more = $state(false);
  loading = $state(false);
  problem = $state('');
  notice = $state('');
  lastRestore = $state<LastRestore | null>(null);

  constructor(
    private readonly spaceId: string,
    private readonly itemId: string,
  ) {}

  /** Loads the newest page again (after a restore, or on open). */
  async reload(): Promise<void> {
    await this.run(() => this.load());
  }

  /** Appends the next older page. */
  async loadMore(): Promise<void> {
    const last = this.edits.at(-1);
    if (!last) return;
    await this.run(async () => {
      const page = await fetchHistory(this.spaceId, this.itemId, last.stamp);
      this.edits = [...this.edits, ...page.edits];
      this.more = page.more;
    });
  }

  /** Restores as asked; `what` says what came back, for the notice ("the whole version"). */
  async restore(request: RestoreRequest, what: string): Promise<void> {
    await this.run(async () => {
      const made = await restoreVersion(this.spaceId, this.itemId, request);
      this.lastRestore = request.what === 'undo' ? null : { stamp: made.stamp, what };
      this.notice = request.what === 'undo' ? 'Undone.' : `Restored ${what}.`;
      await this.load();
    });
  }

  /** Undoes the last restore made here. */
  async undo(): Promise<void> {
    const last = this.lastRestore;
    if (last) await this.restore({ what: 'undo', stamp: last.stamp }, last.what);
  }

  /** Names a version (V8), or takes the name away with an empty name. */
  async name(stamp: string, name: string): Promise<void> {
    await this.run(async () => {
      const trimmed = name.trim();
      await nameVersion(this.spaceId, this.itemId, stamp, trimmed === '' ? null : trimmed);
      this.notice =
        trimmed === '' ? 'Name removed.' : `Named “${trimmed}”; it is kept for as long as the item.`;
      await this.load();
    });
  }

  private async load(): Promise<void> {
    const page = await fetchHistory(this.spaceId, this.itemId);
    this.item = page.item;
    this.edits = page.edits;
    this.more = page.more;
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.loading = true;
    this.problem = '';
    this.notice = '';
    try {
      await work();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : 'Something went wrong; try again.';
    } finally {
      this.loading = false;
    }
  }
}
