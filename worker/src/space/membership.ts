import * as v from 'valibot';
import { RoleSchema, type Role } from '#shared/accounts/roles';
import type { Member } from '#shared/accounts/spaces';
import { str } from '../kernel/sql';
import { fail, ok, type Result } from '../kernel/result';
import type { Clock } from '../kernel/clock';

/** The membership tables of a SpaceObject: one schema step, appended to the object's SCHEMA list. */
export const MEMBERSHIP_SCHEMA_STEP = `
  CREATE TABLE members (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
    joined_at INTEGER NOT NULL);
  CREATE TABLE share_links (link_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER)`;

/** The space itself, as stored in its object. */
export interface SpaceInfo {
  spaceId: string;
  name: string;
  createdAt: number;
}

/** What `requireSpaceRole` learns in one call: the caller's membership and the space. */
export interface SpaceAccess {
  space: SpaceInfo;
  username: string;
  role: Role;
}

/** The one answer for a space that does not exist and for a space the caller is not in. */
export const SPACE_NOT_FOUND_MESSAGE = 'No such space, or you are not a member of it.';

type Row = Record<string, SqlStorageValue>;

/** Members and roles of one space (its share links are ./share-links.ts). Rules M1… in docs/spec/accounts.md. */
export class Membership {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
  ) {}

  private one(query: string, ...params: SqlStorageValue[]): Row | undefined {
    return this.sql.exec<Row>(query, ...params).toArray()[0];
  }

  private meta(key: string): string | undefined {
    const value = this.one('SELECT value FROM meta WHERE key = ?', key)?.value;
    return value === undefined ? undefined : str(value);
  }

  /** The space, or undefined when it was never created here (or was deleted). */
  info(): SpaceInfo | undefined {
    const spaceId = this.meta('space_id');
    if (spaceId === undefined) return undefined;
    return { spaceId, name: this.meta('space_name') ?? '', createdAt: Number(this.meta('created_at')) };
  }

  /** Creates the space with its first owner. */
  create(spaceId: string, name: string, owner: { userId: string; username: string }): Result<SpaceInfo> {
    if (this.info()) return fail('CONFLICT', 'This space already exists.');
    const now = this.clock.now();
    const put = 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)';
    this.sql.exec(put, 'space_id', spaceId);
    this.sql.exec(put, 'space_name', name);
    this.sql.exec(put, 'created_at', String(now));
    this.sql.exec(
      'INSERT INTO members (user_id, username, role, joined_at) VALUES (?, ?, ?, ?)',
      owner.userId,
      owner.username,
      'owner',
      now,
    );
    return ok({ spaceId, name, createdAt: now });
  }

  /** The caller's role in the space, or undefined when the space does not exist or they are not a member. */
  access(userId: string): SpaceAccess | undefined {
    const space = this.info();
    const row = this.one('SELECT username, role FROM members WHERE user_id = ?', userId);
    if (!space || !row) return undefined;
    return { space, username: str(row.username), role: v.parse(RoleSchema, row.role) };
  }

  /** Those of `userIds` who are not (or no longer) editors or owners here (L13). */
  notEditors(userIds: readonly string[]): string[] {
    if (userIds.length === 0) return [];
    return this.sql
      .exec<{ value: string }>(
        `SELECT value FROM json_each(?) WHERE value NOT IN
           (SELECT user_id FROM members WHERE role IN ('owner', 'editor'))`,
        JSON.stringify(userIds),
      )
      .toArray()
      .map((row) => row.value);
  }

  /** Renames the space. */
  rename(name: string): SpaceInfo | undefined {
    if (!this.info()) return undefined;
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'space_name', name);
    return this.info();
  }

  /** Every member, owners first, then by name. */
  members(): Member[] {
    return this.sql
      .exec<Row>(
        `SELECT user_id, username, role, joined_at FROM members
        ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, username`,
      )
      .toArray()
      .map((row) => this.toMember(row));
  }

  private toMember(row: Row): Member {
    return {
      userId: str(row.user_id),
      username: str(row.username),
      role: v.parse(RoleSchema, row.role),
      joinedAt: Number(row.joined_at),
    };
  }

  private ownerCount(): number {
    return Number(this.one("SELECT count(*) AS n FROM members WHERE role = 'owner'")?.n);
  }

  private lastOwnerRefusal(userId: string): Result<never> | undefined {
    const row = this.one('SELECT role FROM members WHERE user_id = ?', userId);
    if (row?.role === 'owner' && this.ownerCount() <= 1) {
      return fail(
        'LAST_OWNER',
        'A space always keeps at least one owner. Make another member an owner first, or delete the space.',
      );
    }
    return undefined;
  }

  /** [M5] Changes a member's role; the last owner cannot step down. */
  changeRole(userId: string, role: Role): Result<Member> {
    const row = this.one('SELECT user_id FROM members WHERE user_id = ?', userId);
    if (!row) return fail('NOT_FOUND', 'That user is not a member of this space.');
    if (role !== 'owner') {
      const refusal = this.lastOwnerRefusal(userId);
      if (refusal) return refusal;
    }
    this.sql.exec('UPDATE members SET role = ? WHERE user_id = ?', role, userId);
    const updated = this.one(
      'SELECT user_id, username, role, joined_at FROM members WHERE user_id = ?',
      userId,
    );
    return updated
      ? ok(this.toMember(updated))
      : fail('NOT_FOUND', 'That user is not a member of this space.');
  }

  /** [M6] Removes a member (or the caller leaving); the last owner cannot go. */
  remove(userId: string): Result<null> {
    if (!this.one('SELECT 1 FROM members WHERE user_id = ?', userId)) {
      return fail('NOT_FOUND', 'That user is not a member of this space.');
    }
    const refusal = this.lastOwnerRefusal(userId);
    if (refusal) return refusal;
    this.sql.exec('DELETE FROM members WHERE user_id = ?', userId);
    return ok(null);
  }

  /** Adds `user` with `role`, or gives a member `role` (joining through a share link, K4). */
  admit(user: { userId: string; username: string }, role: Role): void {
    this.sql.exec(
      `INSERT INTO members (user_id, username, role, joined_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET role = excluded.role`,
      user.userId,
      user.username,
      role,
      this.clock.now(),
    );
  }
}
