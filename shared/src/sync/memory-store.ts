import type { SyncStore, StoredResult } from './apply';
import type { ItemState } from './item';
import type { Change } from './protocol';
import type { Stamp } from './hlc';
import type { TextOp } from './text-ops';
import type { FieldVersion, VersionStore } from './versions';

/** An in-memory {@link VersionStore} (S36), for tests and models. */
export class MemoryVersionStore implements VersionStore {
  rows = new Map<string, FieldVersion>();

  private key(itemId: string, field: string, stamp: Stamp): string {
    return `${itemId}\u0000${field}\u0000${stamp}`;
  }

  get(itemId: string, field: string, stamp: Stamp): FieldVersion | null {
    return this.rows.get(this.key(itemId, field, stamp)) ?? null;
  }

  add(version: FieldVersion): void {
    const key = this.key(version.itemId, version.field, version.stamp);
    if (!this.rows.has(key)) this.rows.set(key, version);
  }

  link(itemId: string, field: string, stamp: Stamp, next: Stamp, op: TextOp | null): void {
    const row = this.get(itemId, field, stamp);
    if (row) this.rows.set(this.key(itemId, field, stamp), { ...row, next, op });
  }

  /** Every version of one field, oldest first. */
  of(itemId: string, field: string): FieldVersion[] {
    return [...this.rows.values()].filter((row) => row.itemId === itemId && row.field === field);
  }
}

/**
 * An in-memory {@link SyncStore} with snapshot and rollback, standing in for the Durable
 * Object's SQLite in tests and models. Pull pages read it like the SQL query does.
 */
export class MemorySyncStore implements SyncStore {
  private items = new Map<string, { item: ItemState; seq: number }>();
  private results = new Map<string, StoredResult>();
  private seq = 0;
  versions = new MemoryVersionStore();

  getItem(id: string): ItemState | null {
    return this.items.get(id)?.item ?? null;
  }

  putItem(item: ItemState, seq: number): void {
    this.items.set(item.id, { item, seq });
    this.seq = Math.max(this.seq, seq);
  }

  getResult(mutationId: string): StoredResult | null {
    return this.results.get(mutationId) ?? null;
  }

  putResult(mutationId: string, result: StoredResult): void {
    this.results.set(mutationId, result);
  }

  head(): number {
    return this.seq;
  }

  /** Runs `fn` all or nothing, like `transactionSync`: if it throws, the store is as before. */
  transaction<T>(fn: () => T): T {
    const saved = { items: new Map(this.items), results: new Map(this.results), seq: this.seq };
    const versions = new Map(this.versions.rows);
    try {
      return fn();
    } catch (error) {
      this.items = saved.items;
      this.results = saved.results;
      this.seq = saved.seq;
      this.versions.rows = versions;
      throw error;
    }
  }

  /** The changes after `after`, oldest first, at most `limit` of them (S10). */
  changesAfter(after: number, limit: number): Change[] {
    return [...this.items.values()]
      .filter((row) => row.seq > after)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map((row) => ({ seq: row.seq, item: row.item }));
  }

  /** Every item, by id. */
  allItems(): Map<string, ItemState> {
    return new Map([...this.items].map(([id, row]) => [id, row.item]));
  }
}
