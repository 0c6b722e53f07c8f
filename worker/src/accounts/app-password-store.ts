import * as v from 'valibot';
import {
  APP_PASSWORDS_MAX,
  AppPasswordAccessSchema,
  type AppPasswordAccess,
  type AppPasswordInfo,
} from '#shared/accounts/app-passwords';
import { randomToken } from '../kernel/crypto';
import { fail, ok, type Result } from '../kernel/result';
import type { Clock } from '../kernel/clock';
import { str } from '../kernel/sql';
import { ACCOUNT_THROTTLE } from './throttle';
import type { Directory } from './directory';

/** Last-used is written at most once a minute per app password, like a session's last-seen. */
const LAST_USED_GRANULARITY_MS = 60_000;

type Row = Record<string, SqlStorageValue>;

/** An app password found by its token hash: what the request may do and whose it is. */
export interface AppPasswordGrant {
  appPasswordId: string;
  spaceId: string | null;
  access: AppPasswordAccess;
}

function infoOf(row: Row): AppPasswordInfo {
  return {
    appPasswordId: str(row.app_password_id),
    name: str(row.name),
    spaceId: row.space_id === null ? null : str(row.space_id),
    access: v.parse(AppPasswordAccessSchema, row.access),
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/**
 * A user's app passwords, in their own AccountObject (`user:<userId>`) beside their sessions, so
 * checking one costs one RPC to an object only that user loads. Only the SHA-256 of the whole
 * token is kept (the secret is 256 random bits, so no salt or slow hash is needed).
 */
export class AppPasswordStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
    /** The throttle table of this same object (the per-user key of failed app passwords). */
    private readonly throttle: Pick<Directory, 'attemptWaitMs' | 'recordFailures'>,
  ) {}

  /** Stores a new app password under its token hash. */
  create(
    input: { name: string; spaceId: string | null; access: AppPasswordAccess },
    tokenHash: string,
  ): Result<AppPasswordInfo> {
    const count = Number(this.sql.exec<Row>('SELECT count(*) AS n FROM app_passwords').one().n);
    if (count >= APP_PASSWORDS_MAX) {
      return fail(
        'CONFLICT',
        `You have ${APP_PASSWORDS_MAX} app passwords. Revoke one you no longer use first.`,
      );
    }
    const id = randomToken();
    this.sql.exec(
      `INSERT INTO app_passwords (app_password_id, token_hash, name, space_id, access, created_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL)`,
      id,
      tokenHash,
      input.name,
      input.spaceId,
      input.access,
      this.clock.now(),
    );
    return ok(infoOf(this.sql.exec<Row>('SELECT * FROM app_passwords WHERE app_password_id = ?', id).one()));
  }

  /** The user's app passwords, newest first. */
  list(): AppPasswordInfo[] {
    return this.sql
      .exec<Row>('SELECT * FROM app_passwords ORDER BY created_at DESC, app_password_id')
      .toArray()
      .map(infoOf);
  }

  /** Revokes one; false when there is no such app password. */
  revoke(appPasswordId: string): boolean {
    return (
      this.sql.exec('DELETE FROM app_passwords WHERE app_password_id = ?', appPasswordId).rowsWritten > 0
    );
  }

  /**
   * Checks a presented app password: refused while this user's failures must wait (the sign-in
   * account policy), counted as a failure when unknown or revoked, else marked used.
   */
  check(tokenHash: string): Result<AppPasswordGrant> {
    const keys = [{ key: 'app-passwords', policy: ACCOUNT_THROTTLE }];
    const wait = this.throttle.attemptWaitMs(keys);
    if (wait > 0)
      return fail('RATE_LIMITED', `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`, {
        retryAfterMs: wait,
      });
    const grant = this.use(tokenHash);
    if (grant) return ok(grant);
    this.throttle.recordFailures(keys);
    return fail('UNAUTHENTICATED', 'Wrong username or app password.');
  }

  private use(tokenHash: string): AppPasswordGrant | undefined {
    const row = this.sql
      .exec<Row>('SELECT * FROM app_passwords WHERE token_hash = ?', tokenHash)
      .toArray()[0];
    if (!row) return undefined;
    const now = this.clock.now();
    if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_GRANULARITY_MS) {
      this.sql.exec(
        'UPDATE app_passwords SET last_used_at = ? WHERE app_password_id = ?',
        now,
        row.app_password_id,
      );
    }
    const info = infoOf(row);
    return { appPasswordId: info.appPasswordId, spaceId: info.spaceId, access: info.access };
  }
}
