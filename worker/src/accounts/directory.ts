import * as v from 'valibot';
import { RoleSchema, type Role } from '#shared/accounts/roles';
import type { SessionInfo, User } from '#shared/accounts/auth';
import { randomToken } from './crypto';
import { fail, ok, type Clock, type Result } from './result';
import { recordFailure, throttleWaitMs, type ThrottlePolicy, type ThrottleState } from './throttle';

/** Schema steps of the directory (the AccountObject named 'directory'). Append-only. */
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
];

/** A session lasts 30 days from sign-in. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Last-seen is written at most once a minute per session, to keep reads cheap. */
const LAST_SEEN_GRANULARITY_MS = 60_000;

/** Who a valid session belongs to. */
export interface SessionOwner {
  userId: string;
  sessionId: string;
  username: string;
}

/** A space in a user's list (an index; each SpaceObject is the authority on its members). */
export interface MembershipEntry {
  spaceId: string;
  name: string;
  role: Role;
  createdAt: number;
}

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

/** Users, credentials, sessions, sign-in throttles and each user's list of spaces. */
export class Directory {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
  ) {}

  private one(query: string, ...params: SqlStorageValue[]): Row | undefined {
    return this.sql.exec<Row>(query, ...params).toArray()[0];
  }

  /** Creates a user; `passwordHash` is null for a passkey-only account. */
  createUser(username: string, passwordHash: string | null, userId = randomToken()): Result<{ userId: string }> {
    if (this.one('SELECT 1 FROM users WHERE username = ?', username)) {
      return fail('USERNAME_TAKEN', 'That username is taken. Choose another one.');
    }
    this.sql.exec(
      'INSERT INTO users (user_id, username, password_hash, created_at) VALUES (?, ?, ?, ?)',
      userId, username, passwordHash, this.clock.now(),
    );
    return ok({ userId });
  }

  /** The user's public profile, or undefined. */
  user(userId: string): User | undefined {
    const row = this.one('SELECT username, password_hash FROM users WHERE user_id = ?', userId);
    if (!row) return undefined;
    const passkeys = this.one('SELECT count(*) AS n FROM passkeys WHERE user_id = ?', userId)?.n;
    return { userId, username: String(row.username), hasPassword: row.password_hash !== null, passkeys: Number(passkeys) };
  }

  /** True when `username` (normalised) is taken. */
  usernameTaken(username: string): boolean {
    return this.one('SELECT 1 FROM users WHERE username = ?', username) !== undefined;
  }

  /** The id and password hash of `username`, for the Worker to verify (hashing stays out of this object). */
  passwordOf(username: string): { userId: string; passwordHash: string | null } | undefined {
    const row = this.one('SELECT user_id, password_hash FROM users WHERE username = ?', username);
    if (!row) return undefined;
    return { userId: String(row.user_id), passwordHash: row.password_hash === null ? null : String(row.password_hash) };
  }

  /**
   * Starts a sign-in attempt for the given throttle keys: refused with the wait when any key must
   * wait; otherwise counted as a failure up front (so parallel guesses cannot slip past), to be
   * forgiven by {@link forgiveAttempt} when it succeeds.
   */
  beginAttempt(keys: readonly { key: string; policy: ThrottlePolicy }[]): Result<null> {
    const now = this.clock.now();
    const states = keys.map(({ key }) => this.throttleState(key));
    const wait = Math.max(0, ...keys.map(({ policy }, i) => throttleWaitMs(states[i], policy, now)));
    if (wait > 0) {
      return fail('RATE_LIMITED', `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`, wait);
    }
    keys.forEach(({ key, policy }, i) => this.saveThrottle(key, recordFailure(states[i], policy, now)));
    return ok(null);
  }

  /** A successful attempt: the account key starts clean, the address key gets its failure back. */
  forgiveAttempt(accountKey: string | null, addressKey: string): void {
    if (accountKey) this.sql.exec('DELETE FROM throttle WHERE key = ?', accountKey);
    this.sql.exec('UPDATE throttle SET failures = max(0, failures - 1) WHERE key = ?', addressKey);
  }

  private throttleState(key: string): ThrottleState | undefined {
    const row = this.one('SELECT failures, last_failure_at FROM throttle WHERE key = ?', key);
    return row ? { failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at) } : undefined;
  }

  private saveThrottle(key: string, state: ThrottleState): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO throttle (key, failures, last_failure_at) VALUES (?, ?, ?)',
      key, state.failures, state.lastFailureAt,
    );
  }

  /** Records a new session under the SHA-256 of its token; answers its public id. */
  createSession(userId: string, tokenHash: string, device: string): { sessionId: string } {
    const now = this.clock.now();
    const sessionId = randomToken();
    this.sql.exec(
      `INSERT INTO sessions (session_id, token_hash, user_id, device, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      sessionId, tokenHash, userId, device, now, now, now + SESSION_TTL_MS,
    );
    return { sessionId };
  }

  /** The owner of the session with this token hash, or undefined when unknown, revoked or expired. */
  sessionByTokenHash(tokenHash: string): SessionOwner | undefined {
    const now = this.clock.now();
    const row = this.one(
      `SELECT s.session_id, s.user_id, s.last_seen_at, s.expires_at, u.username FROM sessions s
       JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = ?`,
      tokenHash,
    );
    if (!row) return undefined;
    if (Number(row.expires_at) <= now) {
      this.sql.exec('DELETE FROM sessions WHERE session_id = ?', row.session_id);
      return undefined;
    }
    if (now - Number(row.last_seen_at) >= LAST_SEEN_GRANULARITY_MS) {
      this.sql.exec('UPDATE sessions SET last_seen_at = ? WHERE session_id = ?', now, row.session_id);
    }
    return { userId: String(row.user_id), sessionId: String(row.session_id), username: String(row.username) };
  }

  /** The user's live sessions, most recently seen first. */
  listSessions(userId: string, currentSessionId: string): SessionInfo[] {
    const now = this.clock.now();
    return this.sql
      .exec<Row>(
        `SELECT session_id, device, created_at, last_seen_at FROM sessions
         WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, created_at DESC`,
        userId, now,
      )
      .toArray()
      .map((row) => ({
        sessionId: String(row.session_id),
        device: String(row.device),
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        current: row.session_id === currentSessionId,
      }));
  }

  /** Revokes one of the user's sessions; false when the user has no such session. */
  revokeSession(userId: string, sessionId: string): boolean {
    return this.sql.exec('DELETE FROM sessions WHERE session_id = ? AND user_id = ?', sessionId, userId).rowsWritten > 0;
  }

  /** Adds or updates a space in the user's list. */
  putMembership(userId: string, entry: MembershipEntry): void {
    this.sql.exec(
      `INSERT INTO memberships (user_id, space_id, role, space_name, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, space_id) DO UPDATE SET role = excluded.role, space_name = excluded.space_name`,
      userId, entry.spaceId, entry.role, entry.name, entry.createdAt,
    );
  }

  /** Removes a space from the user's list. */
  dropMembership(userId: string, spaceId: string): void {
    this.sql.exec('DELETE FROM memberships WHERE user_id = ? AND space_id = ?', userId, spaceId);
  }

  /** Renames a space in every member's list. */
  renameSpace(spaceId: string, name: string): void {
    this.sql.exec('UPDATE memberships SET space_name = ? WHERE space_id = ?', name, spaceId);
  }

  /** Removes a deleted space from every member's list. */
  dropSpace(spaceId: string): void {
    this.sql.exec('DELETE FROM memberships WHERE space_id = ?', spaceId);
  }

  /** The user's spaces, by name. */
  listMemberships(userId: string): MembershipEntry[] {
    return this.sql
      .exec<Row>('SELECT space_id, space_name, role, created_at FROM memberships WHERE user_id = ? ORDER BY space_name, space_id', userId)
      .toArray()
      .map((row) => ({
        spaceId: String(row.space_id),
        name: String(row.space_name),
        role: v.parse(RoleSchema, row.role),
        createdAt: Number(row.created_at),
      }));
  }

  /** Keeps a WebAuthn challenge for {@link CHALLENGE_TTL_MS}; expired ones are swept on the way. */
  putChallenge(challenge: PendingChallenge): { challengeId: string } {
    const now = this.clock.now();
    this.sql.exec('DELETE FROM challenges WHERE expires_at <= ?', now);
    const challengeId = randomToken();
    this.sql.exec(
      'INSERT INTO challenges (challenge_id, challenge, purpose, user_id, username, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      challengeId, challenge.challenge, challenge.purpose, challenge.userId, challenge.username, now + CHALLENGE_TTL_MS,
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
      challenge: String(row.challenge),
      purpose,
      userId: row.user_id === null ? null : String(row.user_id),
      username: row.username === null ? null : String(row.username),
    };
  }

  /** Stores a verified passkey for the user. */
  addPasskey(userId: string, passkey: StoredPasskey): Result<null> {
    if (this.one('SELECT 1 FROM passkeys WHERE credential_id = ?', passkey.credentialId)) {
      return fail('CONFLICT', 'This passkey is already registered.');
    }
    this.sql.exec(
      'INSERT INTO passkeys (credential_id, user_id, public_key, counter, transports, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      passkey.credentialId, userId, passkey.publicKey, passkey.counter, JSON.stringify(passkey.transports), this.clock.now(),
    );
    return ok(null);
  }

  /** A passkey by credential id, with its owner. */
  passkey(credentialId: string): (StoredPasskey & { userId: string }) | undefined {
    const row = this.one('SELECT * FROM passkeys WHERE credential_id = ?', credentialId);
    if (!row) return undefined;
    return {
      userId: String(row.user_id),
      credentialId: String(row.credential_id),
      publicKey: String(row.public_key),
      counter: Number(row.counter),
      transports: v.parse(v.array(v.string()), JSON.parse(String(row.transports))),
    };
  }

  /** The credential ids (and transports) of the user's passkeys, so the browser does not register one twice. */
  passkeysOf(userId: string): { credentialId: string; transports: string[] }[] {
    return this.sql
      .exec<Row>('SELECT credential_id, transports FROM passkeys WHERE user_id = ?', userId)
      .toArray()
      .map((row) => ({ credentialId: String(row.credential_id), transports: v.parse(v.array(v.string()), JSON.parse(String(row.transports))) }));
  }

  /** Records the authenticator's new signature counter after a sign-in. */
  setPasskeyCounter(credentialId: string, counter: number): void {
    this.sql.exec('UPDATE passkeys SET counter = ? WHERE credential_id = ?', counter, credentialId);
  }
}
