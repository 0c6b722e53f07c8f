import { applyBatch, type FenceCheck, type StoredResult, type SyncStore } from '#shared/sync/apply';
import { blobRefOf, type ItemState } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import { PULL_PAGE_MAX_BYTES, type MutationResult } from '#shared/sync/protocol';

/**
 * Schema steps of the change log (docs/spec/sync.md): each item once, as its whole current state
 * stamped with the space-wide sequence number of its latest change (S10); and the result of
 * every mutation applied, by id, so a retried batch is answered without applying it again (S3).
 */
export const CHANGE_LOG_SCHEMA_STEPS = [
  'CREATE TABLE sync_items (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, body TEXT NOT NULL)',
  'CREATE TABLE sync_mutations (id TEXT PRIMARY KEY, result TEXT NOT NULL)',
] as const;

/** What the space's fence (./fence.ts, rule L11) answers: may `userId` write under lock `name` with `token`? */
export type FenceLookup = (
  name: string,
  token: number | null,
  userId: string,
) => { ok: true } | { ok: false; reason: 'stale_token' | 'locked' };

/** The outcome of one push, for the route and for the hub's poke. */
export interface PushOutcome {
  results: MutationResult[];
  head: number;
  /** True when the batch stored at least one change, so peers should be poked (S11). */
  grew: boolean;
  /** File items whose blob reference may have changed, for the blob records. */
  blobRefs: { itemId: string; sha256: string | null }[];
}

/** The change log of one space over the SpaceObject's SQLite; the merge itself is the pure `applyBatch`. */
export class ChangeLog {
  private readonly store: SyncStore;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly fence: FenceLookup,
  ) {
    this.store = new SqlSyncStore(storage.sql);
  }

  /** Applies a batch in one transaction: all of it or nothing (S3). */
  push(mutations: readonly Mutation[], userId: string): PushOutcome {
    const before = this.store.head();
    const touched = new Set<string>();
    const results = this.storage.transactionSync(() =>
      applyBatch(this.store, mutations, (mutation) => {
        touched.add(mutation.itemId);
        return this.check(mutation, userId);
      }),
    );
    const head = this.store.head();
    const blobRefs: PushOutcome['blobRefs'] = [];
    for (const itemId of touched) {
      const item = this.store.getItem(itemId);
      if (item?.kind === 'file') blobRefs.push({ itemId, sha256: blobRefOf(item) });
    }
    return { results, head, grew: head > before, blobRefs };
  }

  /**
   * One pull page after `after`, already serialised: item bodies are stored as JSON and are
   * spliced in without parsing, which keeps a 100,000-item first pull cheap (S10).
   */
  pull(after: number, limit: number, serverTime: number): string {
    const cursor = this.storage.sql.exec<{ seq: number; body: string }>(
      'SELECT seq, body FROM sync_items WHERE seq > ? ORDER BY seq LIMIT ?',
      after,
      limit,
    );
    const parts: string[] = [];
    let next = after;
    let bytes = 0;
    for (const row of cursor) {
      parts.push(`{"seq":${row.seq},"item":${row.body}}`);
      next = row.seq;
      bytes += row.body.length;
      if (bytes >= PULL_PAGE_MAX_BYTES) break;
    }
    const head = this.store.head();
    return `{"changes":[${parts.join(',')}],"next":${next},"head":${head},"more":${next < head},"serverTime":${serverTime}}`;
  }

  /** The space's sequence: the number of the latest change (0 when there is none). */
  head(): number {
    return this.store.head();
  }

  // S8: the lock guarding an item is named by the item's id; a claim on another lock is checked too.
  private check(mutation: Mutation, userId: string): ReturnType<FenceCheck> {
    const claim = mutation.lock;
    const names = claim && claim.name !== mutation.itemId ? [mutation.itemId, claim.name] : [mutation.itemId];
    for (const name of names) {
      const verdict = this.fence(name, claim?.name === name ? claim.token : null, userId);
      if (!verdict.ok) {
        const message =
          verdict.reason === 'locked'
            ? `"${name}" is checked out by someone else; your version was kept as a conflict copy.`
            : `Your lock on "${name}" ran out and was taken again; your version was kept as a conflict copy.`;
        return { code: 'FENCED', message };
      }
    }
    return null;
  }
}

/** {@link SyncStore} over SQLite. Bodies are our own JSON, written by `putItem`. */
class SqlSyncStore implements SyncStore {
  constructor(private readonly sql: SqlStorage) {}

  getItem(id: string): ItemState | null {
    const row = this.sql.exec<{ body: string }>('SELECT body FROM sync_items WHERE id = ?', id).toArray()[0];
    if (!row) return null;
    return JSON.parse(row.body) as ItemState;
  }

  putItem(item: ItemState, seq: number): void {
    this.sql.exec('INSERT OR REPLACE INTO sync_items (id, seq, body) VALUES (?, ?, ?)', item.id, seq, JSON.stringify(item));
  }

  getResult(mutationId: string): StoredResult | null {
    const row = this.sql.exec<{ result: string }>('SELECT result FROM sync_mutations WHERE id = ?', mutationId).toArray()[0];
    return row ? (JSON.parse(row.result) as StoredResult) : null;
  }

  putResult(mutationId: string, result: StoredResult): void {
    this.sql.exec('INSERT OR REPLACE INTO sync_mutations (id, result) VALUES (?, ?)', mutationId, JSON.stringify(result));
  }

  head(): number {
    return this.sql.exec<{ head: number | null }>('SELECT MAX(seq) AS head FROM sync_items').one().head ?? 0;
  }
}
