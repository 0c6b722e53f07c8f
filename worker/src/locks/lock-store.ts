import * as v from 'valibot';
import type { LockChange, LockState } from '#shared/locks/machine';
import {
  LockEventKindSchema,
  LockKindSchema,
  LockViaSchema,
  type LockHistoryEntry,
} from '#shared/locks/schemas';

/** Schema step of a LockObject: its one state row (the whole machine state as JSON) and its history (L10). */
export const LOCK_SCHEMA_STEP = `
  CREATE TABLE lock_state (id INTEGER PRIMARY KEY CHECK (id = 1), space_id TEXT NOT NULL, name TEXT NOT NULL,
    state TEXT NOT NULL);
  CREATE TABLE lock_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL,
    token INTEGER, request_id TEXT, user_id TEXT, username TEXT, detail TEXT NOT NULL)`;

/** Schema step: the front of each history line (L20). */
export const LOCK_VIA_SCHEMA_STEP = 'ALTER TABLE lock_history ADD COLUMN via TEXT';

/** Which lock an object is: its space and name (the object id is derived from both). */
export interface LockRef {
  spaceId: string;
  name: string;
}

/** States stored before checkouts and fronts existed hold leases taken in the app. */
const kindAndVia = {
  kind: v.optional(LockKindSchema, 'lease'),
  via: v.optional(LockViaSchema, 'app'),
};

/** The persisted part of the state; `lastToken` is what makes tokens survive eviction (L3). */
const LockStateSchema = v.object({
  lastToken: v.number(),
  rev: v.number(),
  holder: v.nullable(
    v.object({
      token: v.number(),
      requestId: v.string(),
      owner: v.object({ userId: v.string(), username: v.string() }),
      ...kindAndVia,
      grantedAt: v.number(),
      expiresAt: v.nullable(v.number()),
      ttlMs: v.nullable(v.number()),
      connId: v.nullable(v.string()),
    }),
  ),
  queue: v.array(
    v.object({
      requestId: v.string(),
      owner: v.object({ userId: v.string(), username: v.string() }),
      ...kindAndVia,
      ttlMs: v.nullable(v.number()),
      enqueuedAt: v.number(),
      deadline: v.number(),
      connId: v.nullable(v.string()),
      seenAt: v.optional(v.number()),
    }),
  ),
  served: v.array(v.object({ requestId: v.string(), userId: v.string(), token: v.number() })),
  // States stored before asks and watchers (L26, L28) have none.
  asks: v.optional(
    v.array(
      v.object({
        owner: v.object({ userId: v.string(), username: v.string() }),
        message: v.string(),
        at: v.number(),
        answeredAt: v.nullable(v.number()),
      }),
    ),
    [],
  ),
  watchers: v.optional(v.array(v.object({ userId: v.string(), username: v.string() })), []),
});

type HistoryRow = {
  seq: number;
  at: number;
  kind: string;
  token: number | null;
  request_id: string | null;
  user_id: string | null;
  username: string | null;
  via: string | null;
  detail: string;
};

/** A lock's SQLite storage: every command's new state and history lines in one transaction. */
export class LockStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** The stored lock, or null for an object that never ran a command. */
  load(): { ref: LockRef; state: LockState } | null {
    const row = this.storage.sql
      .exec<{ space_id: string; name: string; state: string }>('SELECT space_id, name, state FROM lock_state')
      .toArray()[0];
    if (!row) return null;
    // Our own JSON; a parse failure here is a broken invariant, so let it throw.
    return {
      ref: { spaceId: row.space_id, name: row.name },
      state: v.parse(LockStateSchema, JSON.parse(row.state)),
    };
  }

  /** Writes the new state and appends `changes` to the history, atomically (one fsync). */
  save(ref: LockRef, state: LockState, changes: readonly LockChange[]): void {
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      sql.exec(
        `INSERT INTO lock_state (id, space_id, name, state) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
        ref.spaceId,
        ref.name,
        JSON.stringify(state),
      );
      for (const c of changes) {
        if (c.kind === 'renewed') {
          // A renewal is no history line of its own: it moves the end written on its grant (L10).
          sql.exec(
            `UPDATE lock_history SET detail = CASE WHEN instr(detail, ', renewed') > 0
               THEN substr(detail, 1, instr(detail, ', renewed') - 1) ELSE detail END || ', renewed ' || ?
             WHERE kind = 'granted' AND token = ?`,
            c.detail,
            c.token,
          );
          continue;
        }
        sql.exec(
          'INSERT INTO lock_history (at, kind, token, request_id, user_id, username, via, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          c.at,
          c.kind,
          c.token,
          c.requestId,
          c.actor?.userId ?? null,
          c.actor?.username ?? null,
          c.via,
          c.detail,
        );
      }
    });
  }

  /** History entries with `seq > after`, oldest first, at most `limit`. */
  history(after: number, limit: number): LockHistoryEntry[] {
    return this.entries(
      'SELECT seq, at, kind, token, request_id, user_id, username, via, detail FROM lock_history WHERE seq > ? ORDER BY seq LIMIT ?',
      after,
      limit,
    );
  }

  /** The latest `limit` history entries, oldest first. */
  latest(limit: number): LockHistoryEntry[] {
    return this.entries(
      `SELECT * FROM (SELECT seq, at, kind, token, request_id, user_id, username, via, detail FROM lock_history
         ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      limit,
    );
  }

  private entries(query: string, ...bindings: number[]): LockHistoryEntry[] {
    const rows = this.storage.sql.exec<HistoryRow>(query, ...bindings).toArray();
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      kind: v.parse(LockEventKindSchema, r.kind),
      token: r.token,
      requestId: r.request_id,
      userId: r.user_id,
      username: r.username,
      via: r.via === null ? null : v.parse(LockViaSchema, r.via),
      detail: r.detail,
    }));
  }
}
