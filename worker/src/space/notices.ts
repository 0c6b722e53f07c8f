import * as v from 'valibot';
import type { ChangeNotice } from '#shared/locks/machine';
import {
  NoticeSchema,
  type Notice,
  type NoticeListResponse,
  type NoticeMessage,
} from '#shared/notices/schemas';

/** A notice as a lock reports it, before the space numbers and keeps it. */
export interface NoticeDraft extends ChangeNotice {
  lock: string;
  at: number;
}

/**
 * Schema step: notices kept per person until they are read on a device (L29), each person's
 * choice of notifications per space, and their devices' Web Push subscriptions (RFC 8030).
 */
export const NOTICE_SCHEMA_STEP = `
  CREATE TABLE notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, at INTEGER NOT NULL,
    body TEXT NOT NULL);
  CREATE INDEX notices_by_user ON notices (user_id, seq);
  CREATE TABLE notice_prefs (user_id TEXT PRIMARY KEY, enabled INTEGER NOT NULL);
  CREATE TABLE push_subscriptions (endpoint TEXT PRIMARY KEY, user_id TEXT NOT NULL, p256dh TEXT NOT NULL,
    auth TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id)`;

/** Notices older than this are dropped: a device away longer starts afresh. */
const NOTICE_KEEP_MS = 30 * 24 * 3600_000;
const NOTICE_PAGE = 100;

/** Where notices go once kept: the person's open sockets, else their devices' Web Push (when wanted). */
export interface NoticeOutlets {
  /** Sends to the person's sockets on the space; answers how many it reached. */
  toSockets(userId: string, text: string): number;
  /** Sends by Web Push to the person's devices (nothing of Baton is open). */
  push(userId: string, notice: Notice): void;
  /** The item's title for a lock that names an item, else null. */
  titleOf(lock: string): string | null;
}

/**
 * A space's notices (rules L26–L29): each is numbered, kept for its person, sent at once to their
 * open sockets (the page shows it and a system notification), and — when none is open and the
 * person wants notifications from this space — by Web Push. A device that was away reads what it
 * missed with {@link list}.
 */
export class Notices {
  constructor(
    private readonly sql: SqlStorage,
    private readonly outlets: NoticeOutlets,
    private readonly now: () => number,
  ) {}

  deliver(drafts: readonly NoticeDraft[]): void {
    for (const draft of drafts) {
      for (const userId of new Set(draft.userIds)) this.deliverOne(userId, draft);
    }
  }

  /** The person's notices after `after` (oldest first), the latest number, and their choice. */
  list(userId: string, after: number): NoticeListResponse {
    const rows = this.sql
      .exec<{ seq: number; body: string }>(
        'SELECT seq, body FROM notices WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?',
        userId,
        after,
        NOTICE_PAGE,
      )
      .toArray();
    const head = this.sql.exec<{ seq: number | null }>('SELECT max(seq) AS seq FROM notices').one().seq ?? 0;
    return {
      notices: rows.map((row) => v.parse(NoticeSchema, { ...JSON.parse(row.body), seq: row.seq })),
      head,
      enabled: this.enabled(userId),
    };
  }

  /** Whether the person wants system notifications and Web Push from this space (default yes). */
  enabled(userId: string): boolean {
    const row = this.sql
      .exec<{ enabled: number }>('SELECT enabled FROM notice_prefs WHERE user_id = ?', userId)
      .toArray()[0];
    return row ? row.enabled === 1 : true;
  }

  setEnabled(userId: string, enabled: boolean): void {
    this.sql.exec(
      'INSERT INTO notice_prefs (user_id, enabled) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled',
      userId,
      enabled ? 1 : 0,
    );
  }

  private deliverOne(userId: string, draft: NoticeDraft): void {
    const body: Omit<Notice, 'seq'> = {
      at: draft.at,
      kind: draft.kind,
      lock: draft.lock,
      title: this.outlets.titleOf(draft.lock) ?? draft.lock,
      from: draft.from,
      message: draft.message,
      ...(draft.askerId ? { askerId: draft.askerId } : {}),
      ...(draft.requestId ? { requestId: draft.requestId } : {}),
      ...(draft.token ? { token: draft.token } : {}),
    };
    this.sql.exec('DELETE FROM notices WHERE at < ?', this.now() - NOTICE_KEEP_MS);
    const { seq } = this.sql
      .exec<{ seq: number }>(
        'INSERT INTO notices (user_id, at, body) VALUES (?, ?, ?) RETURNING seq',
        userId,
        draft.at,
        JSON.stringify(body),
      )
      .one();
    const notice: Notice = { ...body, seq };
    const message: NoticeMessage = { type: 'notice', notice };
    const reached = this.outlets.toSockets(userId, JSON.stringify(message));
    if (reached === 0 && this.enabled(userId)) this.outlets.push(userId, notice);
  }
}
