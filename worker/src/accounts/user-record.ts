import * as v from 'valibot';
import type { SessionInfo } from '#shared/accounts/auth';
import { RoleSchema, type Role } from '#shared/accounts/roles';
import { randomToken } from '../kernel/crypto';
import { str } from '../kernel/sql';
import type { Clock } from '../kernel/clock';

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

/**
 * One user's own records, in the AccountObject named `user:<userId>`: their sessions and their
 * list of spaces. Every authenticated request reads only its own user's object, so session checks
 * spread over as many objects as there are users instead of queueing at one.
 */
export class UserRecord {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
  ) {}

  private one(query: string, ...params: SqlStorageValue[]): Row | undefined {
    return this.sql.exec<Row>(query, ...params).toArray()[0];
  }

  /** The user's username, as recorded when their first session started. */
  username(): string {
    return str(this.one("SELECT value FROM meta WHERE key = 'username'")?.value ?? '');
  }

  /** Records a new session under the SHA-256 of its token; answers its public id. */
  createSession(userId: string, username: string, tokenHash: string, device: string): { sessionId: string } {
    const now = this.clock.now();
    const sessionId = randomToken();
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('username', ?)", username);
    this.sql.exec(
      `INSERT INTO sessions (session_id, token_hash, user_id, device, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      sessionId,
      tokenHash,
      userId,
      device,
      now,
      now,
      now + SESSION_TTL_MS,
    );
    return { sessionId };
  }

  /** The owner of the session with this token hash, or undefined when unknown, revoked or expired. */
  sessionByTokenHash(tokenHash: string): SessionOwner | undefined {
    const now = this.clock.now();
    const row = this.one(
      'SELECT session_id, user_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?',
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
    return { userId: str(row.user_id), sessionId: str(row.session_id), username: this.username() };
  }

  /** The user's live sessions, most recently seen first. */
  listSessions(currentSessionId: string): SessionInfo[] {
    return this.sql
      .exec<Row>(
        `SELECT session_id, device, created_at, last_seen_at FROM sessions
         WHERE expires_at > ? ORDER BY last_seen_at DESC, created_at DESC`,
        this.clock.now(),
      )
      .toArray()
      .map((row) => ({
        sessionId: str(row.session_id),
        device: str(row.device),
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        current: row.session_id === currentSessionId,
      }));
  }

  /** Revokes one of the user's sessions; false when there is no such session. */
  revokeSession(sessionId: string): boolean {
    return this.sql.exec('DELETE FROM sessions WHERE session_id = ?', sessionId).rowsWritten > 0;
  }

  /** Adds or updates a space in the user's list. */
  putMembership(userId: string, entry: MembershipEntry): void {
    this.sql.exec(
      `INSERT INTO memberships (user_id, space_id, role, space_name, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, space_id) DO UPDATE SET role = excluded.role, space_name = excluded.space_name`,
      userId,
      entry.spaceId,
      entry.role,
      entry.name,
      entry.createdAt,
    );
  }

  /** Renames a space in the user's list (if it is there). */
  renameMembership(spaceId: string, name: string): void {
    this.sql.exec('UPDATE memberships SET space_name = ? WHERE space_id = ?', name, spaceId);
  }

  /** Removes a space from the user's list. */
  dropMembership(spaceId: string): void {
    this.sql.exec('DELETE FROM memberships WHERE space_id = ?', spaceId);
  }

  /** The user's spaces, by name. */
  listMemberships(): MembershipEntry[] {
    return this.sql
      .exec<Row>(
        'SELECT space_id, space_name, role, created_at FROM memberships ORDER BY space_name, space_id',
      )
      .toArray()
      .map((row) => ({
        spaceId: str(row.space_id),
        name: str(row.space_name),
        role: v.parse(RoleSchema, row.role),
        createdAt: Number(row.created_at),
      }));
  }
}
