import * as v from 'valibot';
import { LockSummarySchema, type LockSummary } from '#shared/locks/schemas';

/**
 * Schema step for the fence (rule L11): per lock, the highest token granted, the highest token
 * whose lease ended, the holder, and the lock's last reported summary (for the lock list).
 */
export const FENCE_SCHEMA_STEP = `
  CREATE TABLE lock_fence (name TEXT PRIMARY KEY, token INTEGER NOT NULL, freed_token INTEGER NOT NULL,
    holder_user_id TEXT, rev INTEGER NOT NULL, summary TEXT NOT NULL)`;

/** Appended as its own step: who holds or waits for each lock (L13). */
export const FENCE_SCHEMA_STEP_2 = "ALTER TABLE lock_fence ADD COLUMN stake TEXT NOT NULL DEFAULT '[]'";

/** How long past its last reported expiry a lease still counts as held by the fence. */
export const FENCE_GRACE_MS = 2_000;

/** What a LockObject reports after a change: a grant, an end of lease, and its new summary. */
export interface FenceUpdate {
  name: string;
  /** The token just granted, if the change granted the lock. */
  granted: { token: number; userId: string } | null;
  /** The highest token whose lease just ended (release, expiry, break), if any. */
  freedToken: number | null;
  summary: LockSummary;
  /** Who holds or waits for the lock now (user ids), so that the space can end their part when they lose the editor role (L13). */
  stake: string[];
}

/** The fence's answer to "may this write go ahead?" (for the sync layer). */
export type FenceVerdict =
  | { ok: true }
  | { ok: false; reason: 'stale_token' | 'locked'; token: number; holderUserId: string | null }
  | { ok: false; reason: 'never_granted' };

interface FenceRow {
  token: number;
  freed_token: number;
  holder_user_id: string | null;
  rev: number;
  summary: string;
  stake: string;
  [key: string]: SqlStorageValue;
}

/**
 * The fence of one space (rule L11). Updates only ever raise the tokens (`max`), so reports
 * that arrive out of order, twice, or after a restart leave the same result. A lock is held
 * while its highest granted token is above its highest freed token.
 */
export class Fence {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a lock's change. Grants are recorded before the grantee hears of them. */
  apply(update: FenceUpdate): void {
    const row = this.row(update.name);
    const token = Math.max(row?.token ?? 0, update.granted?.token ?? 0);
    const holder =
      update.granted && update.granted.token >= (row?.token ?? 0)
        ? update.granted.userId
        : (row?.holder_user_id ?? null);
    const freed = Math.max(row?.freed_token ?? 0, update.freedToken ?? 0);
    const newer = !row || update.summary.rev > row.rev;
    const rev = newer ? update.summary.rev : row.rev;
    const summary = newer ? JSON.stringify(update.summary) : row.summary;
    const stake = newer ? JSON.stringify(update.stake) : row.stake;
    this.sql.exec(
      `INSERT INTO lock_fence (name, token, freed_token, holder_user_id, rev, summary, stake) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, freed_token = excluded.freed_token,
         holder_user_id = excluded.holder_user_id, rev = excluded.rev, summary = excluded.summary,
         stake = excluded.stake`,
      update.name,
      token,
      freed,
      holder,
      rev,
      summary,
      stake,
    );
  }

  /** The locks `userId` holds or waits for, as last reported (L13). */
  namesWithStake(userId: string): string[] {
    return this.sql
      .exec<{ name: string }>(
        'SELECT name FROM lock_fence WHERE EXISTS (SELECT 1 FROM json_each(stake) WHERE value = ?) ORDER BY name',
        userId,
      )
      .toArray()
      .map((row) => row.name);
  }

  /** The current token of a lock and whether it is held; null for a lock never granted. */
  current(name: string): { token: number; held: boolean; holderUserId: string | null } | null {
    const row = this.row(name);
    if (!row) return null;
    // A lease whose last reported expiry is well past counts as ended even if its end was never
    // reported (the lock object was lost in the moment between the two): the fence must not keep
    // an item locked forever. Renewals are reported within ms, far inside the grace.
    const holder = this.summaryOf(row)?.holder;
    // A checkout has no expiry (L19): only its reported end frees it.
    const lapsed =
      holder?.token === row.token &&
      holder.expiresAt !== null &&
      holder.expiresAt + FENCE_GRACE_MS <= this.now();
    const held = row.token > row.freed_token && !lapsed;
    return { token: row.token, held, holderUserId: held ? row.holder_user_id : null };
  }

  /**
   * May `userId` write to what lock `name` guards, carrying `token` (or none)? A write with a
   * token older than the current one is stale (its lease ended and the lock was granted again);
   * a token the fence never recorded is refused the same way (L11 makes that impossible for a real
   * grant); a write to a lock someone else holds is refused, with or without a token (a token
   * seen in a `busy` answer or an event is not a capability).
   */
  check(name: string, token: number | null, userId: string): FenceVerdict {
    const current = this.current(name);
    // A token for a lock this space never granted is no claim at all (L15).
    if (!current) return token === null ? { ok: true } : { ok: false, reason: 'never_granted' };
    if (token !== null && token !== current.token)
      return { ok: false, reason: 'stale_token', token: current.token, holderUserId: current.holderUserId };
    if (current.held && current.holderUserId !== userId) {
      return { ok: false, reason: 'locked', token: current.token, holderUserId: current.holderUserId };
    }
    return { ok: true };
  }

  /** Locks that are held or have waiters, as last reported; leases past their expiry show as free. */
  list(now: number): LockSummary[] {
    return this.live(this.sql.exec<{ summary: string }>('SELECT summary FROM lock_fence ORDER BY name'), now);
  }

  /** {@link list} of the named locks only (a WebDAV listing reads the locks of what it lists). */
  listOf(names: readonly string[], now: number): LockSummary[] {
    if (names.length === 0) return [];
    const rows = this.sql.exec<{ summary: string }>(
      'SELECT summary FROM lock_fence WHERE name IN (SELECT value FROM json_each(?)) ORDER BY name',
      JSON.stringify(names),
    );
    return this.live(rows, now);
  }

  private live(rows: Iterable<{ summary: string }>, now: number): LockSummary[] {
    const out: LockSummary[] = [];
    for (const row of rows) {
      const parsed = v.safeParse(LockSummarySchema, JSON.parse(row.summary));
      if (!parsed.success) continue;
      const lock = parsed.output;
      if (lock.holder?.expiresAt != null && lock.holder.expiresAt <= now) lock.holder = null;
      if (lock.holder || lock.queueLength > 0) out.push(lock);
    }
    return out;
  }

  /** Every lock ever granted in the space (each has history), by name. */
  names(): string[] {
    return this.sql
      .exec<{ name: string }>('SELECT name FROM lock_fence ORDER BY name')
      .toArray()
      .map((row) => row.name);
  }

  private summaryOf(row: FenceRow): LockSummary | null {
    const parsed = v.safeParse(LockSummarySchema, JSON.parse(row.summary));
    return parsed.success ? parsed.output : null;
  }

  private row(name: string): FenceRow | undefined {
    return this.sql
      .exec<FenceRow>(
        'SELECT token, freed_token, holder_user_id, rev, summary, stake FROM lock_fence WHERE name = ?',
        name,
      )
      .toArray()[0];
  }
}
