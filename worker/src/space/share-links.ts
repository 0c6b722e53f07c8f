import * as v from 'valibot';
import type { Link, LinkState } from '#shared/accounts/links';
import { RoleSchema, roleAtLeast, type Role } from '#shared/accounts/roles';
import type { Clock } from '../kernel/clock';
import { randomToken } from '../kernel/crypto';
import { fail, ok, type Result } from '../kernel/result';
import { str } from '../kernel/sql';
import type { Membership, SpaceAccess, SpaceInfo } from './membership';

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

/** A share link to make: the hash of its token, the role it gives, who makes it, and its limits. */
export interface LinkDraft {
  tokenHash: string;
  role: Role;
  createdBy: string;
  expiresInMs?: number | undefined;
  maxUses?: number | undefined;
}

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

/** The share links of one space (K1–K6 in docs/spec/accounts.md); they live in the space's `share_links` table. */
export class ShareLinks {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: Clock,
    private readonly membership: Membership,
  ) {}

  private one(query: string, ...params: SqlStorageValue[]): Row | undefined {
    return this.sql.exec<Row>(query, ...params).toArray()[0];
  }

  /** Stores a new share link under the hash of its token (the token itself never reaches this object). */
  create({ tokenHash, role, createdBy, expiresInMs, maxUses: uses }: LinkDraft): Link {
    const now = this.clock.now();
    const linkId = randomToken();
    const expiresAt = expiresInMs === undefined ? null : now + expiresInMs;
    const maxUses = uses ?? null;
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
  list(): Link[] {
    const now = this.clock.now();
    return this.sql
      .exec<Row>('SELECT * FROM share_links ORDER BY created_at DESC, link_id')
      .toArray()
      .map((row) => this.toLink(row, now));
  }

  /** [K5] Revokes a link; revoking twice is harmless. */
  revoke(linkId: string): Result<Link> {
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
    const row = this.membership.info()
      ? this.one('SELECT * FROM share_links WHERE token_hash = ?', tokenHash)
      : undefined;
    if (!row) return fail('NOT_FOUND', INVALID_LINK);
    const link = this.toLink(row, this.clock.now());
    if (link.state !== 'active') return fail(LINK_REFUSAL[link.state].code, LINK_REFUSAL[link.state].message);
    return ok(link);
  }

  /** What a link offers (space name and role), for the join page; refuses exactly like joining. */
  preview(tokenHash: string): Result<{ space: SpaceInfo; role: Role }> {
    const link = this.usableLink(tokenHash);
    const space = this.membership.info();
    if (!link.ok) return link;
    return space ? ok({ space, role: link.value.role }) : fail('NOT_FOUND', INVALID_LINK);
  }

  /**
   * [K4] Joins through a link. A member whose role is already at least the link's is left as is and
   * uses nothing (whatever the link's state); a weaker member is raised to the link's role; a
   * newcomer is added. Each change counts one use.
   */
  redeem(tokenHash: string, user: { userId: string; username: string }): Result<SpaceAccess> {
    const space = this.membership.info();
    const row = space ? this.one('SELECT role FROM share_links WHERE token_hash = ?', tokenHash) : undefined;
    const current = this.membership.access(user.userId);
    // Opening a link again once in (even after it ran out) just lands the member in the space.
    if (current && row && roleAtLeast(current.role, v.parse(RoleSchema, row.role))) return ok(current);
    const found = this.usableLink(tokenHash);
    if (!found.ok) return found;
    if (!space) return fail('NOT_FOUND', INVALID_LINK);
    const link = found.value;
    this.membership.admit(user, link.role);
    this.sql.exec('UPDATE share_links SET uses = uses + 1 WHERE link_id = ?', link.linkId);
    return ok({ space, username: user.username, role: link.role });
  }
}
