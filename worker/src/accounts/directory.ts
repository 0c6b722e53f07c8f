import * as v from 'valibot';
import type { User } from '#shared/accounts/auth';
import { randomToken } from '../kernel/crypto';
import { str } from '../kernel/sql';
import { fail, ok, type Result } from '../kernel/result';
import type { Clock } from '../kernel/clock';
import { recordFailure, throttleWaitMs, type ThrottleKey, type ThrottleState } from './throttle';

/**
 * Schema steps of every AccountObject (append-only). The one named 'directory' uses users,
 * throttle, passkeys and challenges; each one named 'user:<userId>' uses meta, sessions and
 * memberships (see user-record.ts).
 */
export const DIRECTORY_SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  `CREATE TABLE users (user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT,
     created_at INTEGER NOT NULL);
   CREATE TABLE sessions (session_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
     device TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
   CREATE INDEX sessions_by_user ON sessions (user_id);
   CREATE TABLE throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at INTEGER NOT NULL);
   CREATE TABLE memberships (user_id TEXT NOT NULL, space_id TEXT NOT NULL, role TEXT NOT NULL,
     space_name TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, space_id));
   CREATE INDEX memberships_by_space ON memberships (space_id);
   CREATE TABLE passkeys (credential_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, public_key TEXT NOT NULL,
     counter INTEGER NOT NULL, transports TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX passkeys_by_user ON passkeys (user_id);
   CREATE TABLE challenges (challenge_id TEXT PRIMARY KEY, challenge TEXT NOT NULL, purpose TEXT NOT NULL,
     user_id TEXT, username TEXT, expires_at INTEGER NOT NULL)`,
  // App passwords live in each user's own object (see app-password-store.ts).
  `CREATE TABLE app_passwords (app_password_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL, space_id TEXT, access TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER)`,
];

type Row = Record<string, SqlStorageValue>;

/** A WebAuthn challenge waiting for its answer. */
export interface PendingChallenge {
  challenge: string;
  purpose: 'register' | 'login';
  /** Set when a signed-in user adds a passkey, or the id chosen for a passkey sign-up. */
  userId: string | null;
  /** Set for a passkey sign-up. */
  username: string | null;
}

/** A registered passkey: its public key (COSE, base64url) and signature counter. */
export interface StoredPasskey {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
}

/** A WebAuthn ceremony must finish within 5 minutes. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** The global directory: unique usernames, password hashes, passkeys, WebAuthn challenges, sign-in throttles. */
export class Directory {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
  ) {}

  private one(query: string, ...params: SqlStorageValue[]): Row | undefined {
    return this.sql.exec<Row>(query, ...params).toArray()[0];
  }

  /** Creates a user; `passwordHash` is null for a passkey-only account. */
  createUser(
    username: string,
    passwordHash: string | null,
    userId = randomToken(),
  ): Result<{ userId: string }> {
    if (this.one('SELECT 1 FROM users WHERE username = ?', username)) {
      return fail('USERNAME_TAKEN', 'That username is taken. Choose another one.');
    }
    this.sql.exec(
      'INSERT INTO users (user_id, username, password_hash, created_at) VALUES (?, ?, ?, ?)',
      userId,
      username,
      passwordHash,
      this.clock.now(),
    );
    return ok({ userId });
  }

  /** The user's public profile, or undefined. */
  user(userId: string): User | undefined {
    const row = this.one('SELECT username, password_hash FROM users WHERE user_id = ?', userId);
    if (!row) return undefined;
    const passkeys = this.one('SELECT count(*) AS n FROM passkeys WHERE user_id = ?', userId)?.n;
    return {
      userId,
      username: str(row.username),
      hasPassword: row.password_hash !== null,
      passkeys: Number(passkeys),
    };
  }

  /** True when `username` (normalised) is taken. */
  usernameTaken(username: string): boolean {
    return this.one('SELECT 1 FROM users WHERE username = ?', username) !== undefined;
  }

  /** The id and password hash of `username`, for the Worker to verify (hashing stays out of this object). */
  passwordOf(username: string): { userId: string; passwordHash: string | null } | undefined {
    const row = this.one('SELECT user_id, password_hash FROM users WHERE username = ?', username);
    if (!row) return undefined;
    return {
      userId: str(row.user_id),
      passwordHash: row.password_hash === null ? null : str(row.password_hash),
    };
  }

  /**
   * Starts a sign-in attempt for the given throttle keys: refused with the wait when any key must
   * wait; otherwise counted as a failure up front (so parallel guesses cannot slip past), to be
   * forgiven by {@link forgiveAttempt} when it succeeds.
   */
  beginAttempt(keys: readonly ThrottleKey[], what = 'failed sign-ins'): Result<null> {
    const now = this.clock.now();
    const states = keys.map(({ key }) => this.throttleState(key));
    const wait = Math.max(0, ...keys.map(({ policy }, i) => throttleWaitMs(states[i], policy, now)));
    if (wait > 0) {
      return fail('RATE_LIMITED', `Too many ${what}. Try again in ${Math.ceil(wait / 1000)} s.`, {
        retryAfterMs: wait,
      });
    }
    keys.forEach(({ key, policy }, i) => this.saveThrottle(key, recordFailure(states[i], policy, now)));
    return ok(null);
  }

  /**
   * The wait before the next attempt for any of `keys`, without counting one: the check for
   * credentials that are verified elsewhere (app passwords, in the user's own object), whose
   * failures are then counted with {@link recordFailures}.
   */
  attemptWaitMs(keys: readonly ThrottleKey[]): number {
    const now = this.clock.now();
    return Math.max(
      0,
      ...keys.map(({ key, policy }) => throttleWaitMs(this.throttleState(key), policy, now)),
    );
  }

  /** Counts one failure for each of `keys`. */
  recordFailures(keys: readonly ThrottleKey[]): void {
    const now = this.clock.now();
    for (const { key, policy } of keys)
      this.saveThrottle(key, recordFailure(this.throttleState(key), policy, now));
  }

  /** A successful attempt: the keys in `clear` start clean, those in `giveBack` get its one failure back. */
  forgiveAttempt(clear: readonly string[], giveBack: readonly string[]): void {
    for (const key of clear) this.sql.exec('DELETE FROM throttle WHERE key = ?', key);
    for (const key of giveBack)
      this.sql.exec('UPDATE throttle SET failures = max(0, failures - 1) WHERE key = ?', key);
  }

  private throttleState(key: string): ThrottleState | undefined {
    const row = this.one('SELECT failures, last_failure_at FROM throttle WHERE key = ?', key);
    return row ? { failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at) } : undefined;
  }

  private saveThrottle(key: string, state: ThrottleState): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO throttle (key, failures, last_failure_at) VALUES (?, ?, ?)',
      key,
      state.failures,
      state.lastFailureAt,
    );
  }

  /** Keeps a WebAuthn challenge for {@link CHALLENGE_TTL_MS}; expired ones are swept on the way. */
  putChallenge(challenge: PendingChallenge): { challengeId: string } {
    const now = this.clock.now();
    this.sql.exec('DELETE FROM challenges WHERE expires_at <= ?', now);
    const challengeId = randomToken();
    this.sql.exec(
      'INSERT INTO challenges (challenge_id, challenge, purpose, user_id, username, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      challengeId,
      challenge.challenge,
      challenge.purpose,
      challenge.userId,
      challenge.username,
      now + CHALLENGE_TTL_MS,
    );
    return { challengeId };
  }

  /** Takes a challenge out (single use); undefined when unknown, expired or made for another purpose. */
  takeChallenge(challengeId: string, purpose: PendingChallenge['purpose']): PendingChallenge | undefined {
    const row = this.one('SELECT * FROM challenges WHERE challenge_id = ?', challengeId);
    if (!row) return undefined;
    this.sql.exec('DELETE FROM challenges WHERE challenge_id = ?', challengeId);
    if (row.purpose !== purpose || Number(row.expires_at) <= this.clock.now()) return undefined;
    return {
      challenge: str(row.challenge),
      purpose,
      userId: row.user_id === null ? null : str(row.user_id),
      username: row.username === null ? null : str(row.username),
    };
  }

  /** Stores a verified passkey for the user. */
  addPasskey(userId: string, passkey: StoredPasskey): Result<null> {
    if (this.one('SELECT 1 FROM passkeys WHERE credential_id = ?', passkey.credentialId)) {
      return fail('CONFLICT', 'This passkey is already registered.');
    }
    this.sql.exec(
      'INSERT INTO passkeys (credential_id, user_id, public_key, counter, transports, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      passkey.credentialId,
      userId,
      passkey.publicKey,
      passkey.counter,
      JSON.stringify(passkey.transports),
      this.clock.now(),
    );
    return ok(null);
  }

  /** A passkey by credential id, with its owner. */
  passkey(credentialId: string): (StoredPasskey & { userId: string }) | undefined {
    const row = this.one('SELECT * FROM passkeys WHERE credential_id = ?', credentialId);
    if (!row) return undefined;
    return {
      userId: str(row.user_id),
      credentialId: str(row.credential_id),
      publicKey: str(row.public_key),
      counter: Number(row.counter),
      transports: v.parse(v.array(v.string()), JSON.parse(str(row.transports))),
    };
  }

  /** The credential ids (and transports) of the user's passkeys, so the browser does not register one twice. */
  passkeysOf(userId: string): { credentialId: string; transports: string[] }[] {
    return this.sql
      .exec<Row>('SELECT credential_id, transports FROM passkeys WHERE user_id = ?', userId)
      .toArray()
      .map((row) => ({
        credentialId: str(row.credential_id),
        transports: v.parse(v.array(v.string()), JSON.parse(str(row.transports))),
      }));
  }

  /** Records the authenticator's new signature counter after a sign-in. */
  setPasskeyCounter(credentialId: string, counter: number): void {
    this.sql.exec('UPDATE passkeys SET counter = ? WHERE credential_id = ?', counter, credentialId);
  }
}
