import { applyBatch, type FenceCheck, type StoredResult, type SyncStore } from '#shared/sync/apply';
import type { TextOp } from '#shared/sync/text-ops';
import { editSince, isTextField, type VersionFront, type VersionStore } from '#shared/sync/versions';
import { BatchVersionStore } from './version-store';
import { jsonChunks } from './json-chunks';
import { blobRefOf, type ItemState } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import { PULL_PAGE_MAX_BYTES, type MutationResult } from '#shared/sync/protocol';
import { indexItem } from './item-index';
import { fencedMessage, locksGuarding } from './item-guards';

/**
 * Schema step of the change log (docs/spec/sync.md): each item once, as its whole current state
 * stamped with the space-wide sequence number of its latest change (S10); and the result of
 * every mutation applied, by id, so a retried batch is answered without applying it again (S3).
 * One step (two statements), so the SpaceObject's later steps keep their numbers.
 */
export const CHANGE_LOG_SCHEMA_STEP =
  'CREATE TABLE sync_items (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, body TEXT NOT NULL);' +
  'CREATE TABLE sync_mutations (id TEXT PRIMARY KEY, result TEXT NOT NULL)';

/**
 * Schema step of the text moves (S39): per stored item, the exact edit of each text field the
 * last push changed, from the version it had before that push; pull pages carry it.
 */
export const CHANGE_LOG_MOVES_STEP = 'ALTER TABLE sync_items ADD COLUMN moves TEXT';

/** What the space's fence (./fence.ts, rule L11) answers: may `userId` write under lock `name` with `token`? */
export type FenceLookup = (
  name: string,
  token: number | null,
  userId: string,
) => { ok: true } | { ok: false; reason: 'stale_token' | 'locked' | 'never_granted' };

/**
 * The locks that guard an item (S8, L15, L23): its own, named by its id, and the check-outs of the
 * folders the write touches (./item-guards.ts). A claim must name one of them; this is the one
 * place to widen that (a path lock, say).
 */
export function guardingLocks(mutation: Mutation, current: ItemState | null): string[] {
  return locksGuarding(mutation, current);
}

/** The outcome of one push, for the route and for the hub's poke. */
export interface PushOutcome {
  results: MutationResult[];
  /** The sequence before the batch and after it. */
  before: number;
  head: number;
  /** True when the batch stored at least one change, so peers should be poked (S11). */
  grew: boolean;
  /** File items whose blob reference may have changed, for the blob records. */
  blobRefs: { itemId: string; sha256: string | null }[];
}

/** The change log of one space over the SpaceObject's SQLite; the merge itself is the pure `applyBatch`. */
export class ChangeLog {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly fence: FenceLookup,
  ) {}

  /** Applies a batch in one transaction: all of it or nothing (S3). */
  push(mutations: readonly Mutation[], userId: string, front: VersionFront = 'app'): PushOutcome {
    const touched = new Set<string>();
    return this.storage.transactionSync(() => {
      const store = new BatchSqlStore(this.storage.sql, mutations);
      const before = store.head();
      const results = applyBatch(
        store,
        mutations,
        (mutation) => {
          touched.add(mutation.itemId);
          return this.check(mutation, userId, store.getItem(mutation.itemId));
        },
        { author: userId, front, now: Date.now() },
      );
      store.flush();
      const blobRefs: PushOutcome['blobRefs'] = [];
      for (const itemId of touched) {
        const item = store.getItem(itemId);
        if (item?.kind === 'file') blobRefs.push({ itemId, sha256: blobRefOf(item) });
      }
      return { results, before, head: store.head(), grew: store.head() > before, blobRefs };
    });
  }

  /**
   * One pull page after `after`, already serialised: item bodies are stored as JSON and are
   * spliced in without parsing, which keeps a 100,000-item first pull cheap (S10).
   */
  pull(after: number, limit: number, serverTime: number): string {
    return this.page(after, limit, serverTime).json;
  }

  /** {@link pull}, also telling whether more changes follow the page. */
  page(after: number, limit: number, serverTime: number): { json: string; more: boolean } {
    const cursor = this.storage.sql.exec<{ seq: number; body: string; moves: string | null }>(
      'SELECT seq, body, moves FROM sync_items WHERE seq > ? ORDER BY seq LIMIT ?',
      after,
      limit,
    );
    const parts: string[] = [];
    let next = after;
    let bytes = 0;
    for (const row of cursor) {
      parts.push(
        row.moves === null
          ? `{"seq":${row.seq},"item":${row.body}}`
          : `{"seq":${row.seq},"item":${row.body},"moves":${row.moves}}`,
      );
      next = row.seq;
      bytes += row.body.length;
      if (bytes >= PULL_PAGE_MAX_BYTES) break;
    }
    const head = headOf(this.storage.sql);
    const more = next < head;
    return {
      json: `{"changes":[${parts.join(',')}],"next":${next},"head":${head},"more":${more},"serverTime":${serverTime}}`,
      more,
    };
  }

  /** The space's sequence: the number of the latest change (0 when there is none). */
  head(): number {
    return headOf(this.storage.sql);
  }

  // S8: the locks guarding an item are its own and its folders' (L23); a claim on any other lock is refused (L15).
  private check(mutation: Mutation, userId: string, current: ItemState | null): ReturnType<FenceCheck> {
    const claim = mutation.lock;
    const guards = guardingLocks(mutation, current);
    if (claim && !guards.includes(claim.name)) {
      return {
        code: 'LOCK_CLAIM_INVALID',
        message: `The lock "${claim.name}" does not guard this item; claim the item's own lock, its folder's check-out, or none.`,
      };
    }
    for (const name of guards) {
      const verdict = this.fence(name, claim?.name === name ? claim.token : null, userId);
      if (verdict.ok) continue;
      if (verdict.reason === 'never_granted') {
        return {
          code: 'LOCK_CLAIM_INVALID',
          message: `This item's lock was never granted, so its claim cannot be yours; write without one.`,
        };
      }
      return { code: 'FENCED', message: fencedMessage(name, verdict.reason) };
    }
    return null;
  }
}

function headOf(sql: SqlStorage): number {
  return sql.exec<{ head: number | null }>('SELECT MAX(seq) AS head FROM sync_items').one().head ?? 0;
}

/**
 * Per text field a push changed, the exact edit from its version before the push to its version
 * after (S39), composed from the version store; null when there is none to tell.
 */
function textMoves(
  versions: VersionStore,
  before: ItemState | null,
  after: ItemState,
): Record<string, { from: string; op: TextOp }> | null {
  const out: Record<string, { from: string; op: TextOp }> = {};
  for (const [name, entry] of Object.entries(after.fields)) {
    const from = before?.fields[name]?.s;
    if (!from || from === entry.s || !isTextField(name)) continue;
    const since = editSince(versions, after.id, name, from, entry.s);
    if (since) out[name] = { from, op: since.op };
  }
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * {@link SyncStore} for one batch, over SQLite. It reads the batch's items and remembered
 * results with one query each, keeps the batch's writes in memory, and {@link flush}es them
 * with a few statements: a batch costs a handful of SQL statements, not four per mutation.
 * An item written several times in a batch is stored once, with the last sequence number it
 * got (the sequence may skip numbers; pulls only need it to grow). Bodies are our own JSON.
 */
class BatchSqlStore implements SyncStore {
  private readonly items = new Map<string, ItemState | null>();
  private readonly results = new Map<string, StoredResult | null>();
  private readonly dirtyItems = new Map<string, { item: ItemState; seq: number }>();
  /** Items as they were before the batch, for the text moves (S39). */
  private readonly before = new Map<string, ItemState | null>();
  private readonly newResults = new Map<string, StoredResult>();
  private seq: number;
  readonly versions: BatchVersionStore;

  constructor(
    private readonly sql: SqlStorage,
    mutations: readonly Mutation[],
  ) {
    this.seq = headOf(sql);
    this.versions = new BatchVersionStore(sql);
    const itemIds = [...new Set(mutations.map((m) => m.itemId))];
    const mutationIds = [...new Set(mutations.map((m) => m.id))];
    for (const id of itemIds) this.items.set(id, null);
    for (const id of mutationIds) this.results.set(id, null);
    for (const chunk of jsonChunks(itemIds.map((id) => [id]))) {
      const rows = sql.exec<{ id: string; body: string }>(
        "SELECT id, body FROM sync_items WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(?))",
        chunk,
      );
      for (const row of rows) this.items.set(row.id, JSON.parse(row.body) as ItemState);
    }
    for (const chunk of jsonChunks(mutationIds.map((id) => [id]))) {
      const rows = sql.exec<{ id: string; result: string }>(
        "SELECT id, result FROM sync_mutations WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(?))",
        chunk,
      );
      for (const row of rows) this.results.set(row.id, JSON.parse(row.result) as StoredResult);
    }
  }

  getItem(id: string): ItemState | null {
    const cached = this.items.get(id);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<{ body: string }>('SELECT body FROM sync_items WHERE id = ?', id).toArray()[0];
    const item = row ? (JSON.parse(row.body) as ItemState) : null;
    this.items.set(id, item);
    return item;
  }

  putItem(item: ItemState, seq: number): void {
    if (!this.before.has(item.id)) this.before.set(item.id, this.items.get(item.id) ?? null);
    this.items.set(item.id, item);
    this.dirtyItems.set(item.id, { item, seq });
    this.seq = Math.max(this.seq, seq);
  }

  getResult(mutationId: string): StoredResult | null {
    const cached = this.results.get(mutationId);
    if (cached !== undefined) return cached;
    const row = this.sql
      .exec<{ result: string }>('SELECT result FROM sync_mutations WHERE id = ?', mutationId)
      .toArray()[0];
    return row ? (JSON.parse(row.result) as StoredResult) : null;
  }

  putResult(mutationId: string, result: StoredResult): void {
    this.results.set(mutationId, result);
    this.newResults.set(mutationId, result);
  }

  head(): number {
    return this.seq;
  }

  /** Writes the batch's items and results (inside the caller's transaction). */
  flush(): void {
    for (const { item } of this.dirtyItems.values()) indexItem(this.sql, item);
    const items = [...this.dirtyItems.values()].map(({ item, seq }) => {
      const moves = textMoves(this.versions, this.before.get(item.id) ?? null, item);
      return [item.id, seq, JSON.stringify(item), moves === null ? null : JSON.stringify(moves)];
    });
    for (const chunk of jsonChunks(items)) {
      this.sql.exec(
        `INSERT OR REPLACE INTO sync_items (id, seq, body, moves)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)`,
        chunk,
      );
    }
    const results = [...this.newResults].map(([id, result]) => [id, JSON.stringify(result)]);
    for (const chunk of jsonChunks(results)) {
      this.sql.exec(
        `INSERT OR REPLACE INTO sync_mutations (id, result)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
        chunk,
      );
    }
    this.dirtyItems.clear();
    this.newResults.clear();
    this.versions.flush();
  }
}
