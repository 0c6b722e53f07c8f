import type { StoredSubscription } from '../push/web-push';

/** Subscriptions kept per person in a space; a person has at most this many devices subscribed. */
const SUBSCRIPTIONS_PER_USER_MAX = 20;

/** A space's Web Push subscriptions (table in NOTICE_SCHEMA_STEP), one row per device endpoint. */
export class PushSubscriptions {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  /** Keeps `sub` for `userId` (an endpoint moves to whoever subscribed it last). */
  add(userId: string, sub: StoredSubscription): void {
    this.sql.exec(
      `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth`,
      sub.endpoint,
      userId,
      sub.p256dh,
      sub.auth,
      this.now(),
    );
    // The oldest devices go first when someone subscribes too many.
    this.sql.exec(
      `DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint NOT IN
         (SELECT endpoint FROM push_subscriptions WHERE user_id = ? ORDER BY created_at DESC LIMIT ?)`,
      userId,
      userId,
      SUBSCRIPTIONS_PER_USER_MAX,
    );
  }

  /** Forgets one endpoint (the person's own, or one the push service says is gone). */
  remove(endpoint: string, userId?: string): void {
    if (userId === undefined) this.sql.exec('DELETE FROM push_subscriptions WHERE endpoint = ?', endpoint);
    else this.sql.exec('DELETE FROM push_subscriptions WHERE endpoint = ? AND user_id = ?', endpoint, userId);
  }

  /** Forgets every device of a person (they left the space). */
  removeUser(userId: string): void {
    this.sql.exec('DELETE FROM push_subscriptions WHERE user_id = ?', userId);
  }

  of(userId: string): StoredSubscription[] {
    return this.sql
      .exec<{ endpoint: string; p256dh: string; auth: string }>(
        'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = ?',
        userId,
      )
      .toArray()
      .map((row) => ({ endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth }));
  }
}
