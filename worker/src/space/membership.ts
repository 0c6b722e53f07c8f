import * as v from 'valibot';
import type { Link, LinkState } from '#shared/accounts/links';
import { RoleSchema, roleAtLeast, type Role } from '#shared/accounts/roles';
import type { Member } from '#shared/accounts/spaces';
import { randomToken } from '../kernel/crypto';
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

/** The exact words for a link that can no longer be used (issue 3: "says exactly that"). */
export const LINK_REFUSAL = {
  expired: {
    code: 'LINK_EXPIRED',
    message: 'This share link has expired. Ask an owner of the space for a new one.',
  },
  used_up: {
    code: 'LINK_USED_UP',
    message:
      'This share link has been used as many times as it allows. Ask an owner of the space for a new one.',
  },
  revoked: { code: 'LINK_REVOKED', message: 'This share link has been revoked by an owner of the space.' },
} as const;

const INVALID_LINK = 'This share link is not valid. Check that it was copied completely.';

type Row = Record<string, SqlStorageValue>;

/** Whether a stored link can be used at `now`; revocation wins over expiry, expiry over use count. */
export function linkState(
  link: { revokedAt: number | null; expiresAt: number | null; maxUses: number | null; uses: number },
  now: number,
): LinkState {
  if (link.revokedAt !== null) return 'revoked';
  if (link.expiresAt !== null && now >= link.expiresAt) return 'expired';
  if (link.maxUses !== null && link.uses >= link.maxUses) return 'used_up';
  return 'active';
}

function nullableNumber(value: SqlStorageValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Members, roles and share links of one space. Rules M1… in docs/spec/accounts.md. */
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

  /** Stores a new share link under the hash of its token (the token itself never reaches this object). */
  createLink(
    tokenHash: string,
    role: Role,
    createdBy: string,
    options: { expiresInMs?: number | undefined; maxUses?: number | undefined },
  ): Link {
    const now = this.clock.now();
    const linkId = randomToken();
    const expiresAt = options.expiresInMs === undefined ? null : now + options.expiresInMs;
    const maxUses = options.maxUses ?? null;
    this.sql.exec(
      `INSERT INTO share_links (link_id, token_hash, role, created_by, created_at, expires_at, max_uses)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      linkId,
      tokenHash,
      role,
      createdBy,
      now,
      expiresAt,
      maxUses,
    );
    return {
      linkId,
      role,
      createdAt: now,
      createdBy,
      expiresAt,
      maxUses,
      uses: 0,
      revokedAt: null,
      state: 'active',
    };
  }

  private toLink(row: Row, now: number): Link {
    const link = {
      linkId: str(row.link_id),
      role: v.parse(RoleSchema, row.role),
      createdAt: Number(row.created_at),
      createdBy: str(row.created_by),
      expiresAt: nullableNumber(row.expires_at),
      maxUses: nullableNumber(row.max_uses),
      uses: Number(row.uses),
      revokedAt: nullableNumber(row.revoked_at),
    };
    return { ...link, state: linkState(link, now) };
  }

  /** Every link of the space with its use count and state, newest first. */
  links(): Link[] {
    const now = this.clock.now();
    return this.sql
      .exec<Row>('SELECT * FROM share_links ORDER BY created_at DESC, link_id')
      .toArray()
      .map((row) => this.toLink(row, now));
  }

  /** [K5] Revokes a link; revoking twice is harmless. */
  revokeLink(linkId: string): Result<Link> {
    this.sql.exec(
      'UPDATE share_links SET revoked_at = coalesce(revoked_at, ?) WHERE link_id = ?',
      this.clock.now(),
      linkId,
    );
    const row = this.one('SELECT * FROM share_links WHERE link_id = ?', linkId);
    return row
      ? ok(this.toLink(row, this.clock.now()))
      : fail('NOT_FOUND', 'This space has no such share link.');
  }

  /** The link with this token hash if it can be used now, or exactly why not. */
  private usableLink(tokenHash: string): Result<Link> {
    const row = this.info()
      ? this.one('SELECT * FROM share_links WHERE token_hash = ?', tokenHash)
      : undefined;
    if (!row) return fail('NOT_FOUND', INVALID_LINK);
    const link = this.toLink(row, this.clock.now());
    if (link.state !== 'active') return fail(LINK_REFUSAL[link.state].code, LINK_REFUSAL[link.state].message);
    return ok(link);
  }

  /** What a link offers (space name and role), for the join page; refuses exactly like joining. */
  previewLink(tokenHash: string): Result<{ space: SpaceInfo; role: Role }> {
    const link = this.usableLink(tokenHash);
    const space = this.info();
    if (!link.ok) return link;
    return space ? ok({ space, role: link.value.role }) : fail('NOT_FOUND', INVALID_LINK);
  }

  /**
   * [K4] Joins through a link. A member whose role is already at least the link's is left as is and
   * uses nothing (whatever the link's state); a weaker member is raised to the link's role; a
   * newcomer is added. Each change counts one use.
   */
  redeemLink(tokenHash: string, user: { userId: string; username: string }): Result<SpaceAccess> {
    const space = this.info();
    const row = space ? this.one('SELECT role FROM share_links WHERE token_hash = ?', tokenHash) : undefined;
    const current = this.one('SELECT username, role FROM members WHERE user_id = ?', user.userId);
    // Opening a link again once in (even after it ran out) just lands the member in the space.
    if (
      space &&
      row &&
      current &&
      roleAtLeast(v.parse(RoleSchema, current.role), v.parse(RoleSchema, row.role))
    ) {
      return ok({ space, username: str(current.username), role: v.parse(RoleSchema, current.role) });
    }
    const found = this.usableLink(tokenHash);
    if (!found.ok) return found;
    if (!space) return fail('NOT_FOUND', INVALID_LINK);
    const link = found.value;
    this.sql.exec(
      `INSERT INTO members (user_id, username, role, joined_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET role = excluded.role`,
      user.userId,
      user.username,
      link.role,
      this.clock.now(),
    );
    this.sql.exec('UPDATE share_links SET uses = uses + 1 WHERE link_id = ?', link.linkId);
    return ok({ space, username: user.username, role: link.role });
  }
}
