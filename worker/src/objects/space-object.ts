import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from '../storage/migrate';
import type { Link } from '#shared/accounts/links';
import type { Role } from '#shared/accounts/roles';
import type { Member } from '#shared/accounts/spaces';
import { systemClock, type Result } from '../accounts/result';
import { Membership, MEMBERSHIP_SCHEMA_STEP, type SpaceAccess, type SpaceInfo } from '../space/membership';

const SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  MEMBERSHIP_SCHEMA_STEP,
];

/** Durable Object for one space; see docs/architecture.md. */
export class SpaceObject extends DurableObject<Env> {
  private readonly membership: Membership;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SCHEMA);
    this.membership = new Membership(ctx.storage.sql, systemClock);
  }

  // Accounts: members, roles and share links (logic in ../space/membership.ts).
  createSpace(spaceId: string, name: string, owner: { userId: string; username: string }): Result<SpaceInfo> {
    return this.membership.create(spaceId, name, owner);
  }
  spaceAccess(userId: string): SpaceAccess | undefined {
    return this.membership.access(userId);
  }
  renameSpace(name: string): SpaceInfo | undefined {
    return this.membership.rename(name);
  }
  /** Deletes everything the space stored, then leaves an empty, never-created space behind. */
  async deleteSpace(): Promise<string[]> {
    const userIds = this.membership.members().map((member) => member.userId);
    await this.ctx.storage.deleteAll();
    migrate(this.ctx.storage, SCHEMA);
    return userIds;
  }
  listMembers(): Member[] {
    return this.membership.members();
  }
  changeRole(userId: string, role: Role): Result<Member> {
    return this.membership.changeRole(userId, role);
  }
  removeMember(userId: string): Result<null> {
    return this.membership.remove(userId);
  }
  createLink(tokenHash: string, role: Role, createdBy: string, options: { expiresInMs?: number; maxUses?: number }): Link {
    return this.membership.createLink(tokenHash, role, createdBy, options);
  }
  listLinks(): Link[] {
    return this.membership.links();
  }
  revokeLink(linkId: string): Result<Link> {
    return this.membership.revokeLink(linkId);
  }
  previewLink(tokenHash: string): Result<{ space: SpaceInfo; role: Role }> {
    return this.membership.previewLink(tokenHash);
  }
  redeemLink(tokenHash: string, user: { userId: string; username: string }): Result<SpaceAccess> {
    return this.membership.redeemLink(tokenHash, user);
  }
}
