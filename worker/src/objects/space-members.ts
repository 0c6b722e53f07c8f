import type { Link } from '#shared/accounts/links';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import type { Member } from '#shared/accounts/spaces';
import type { Result } from '../kernel/result';
import type { SpaceAccess, SpaceInfo } from '../space/membership';
import type { LinkDraft } from '../space/share-links';
import { SpaceCore } from './space-core';

/**
 * The SpaceObject's members area: the space itself, members, roles and share links (logic in
 * ../space/membership.ts and ../space/share-links.ts; rules in docs/spec/accounts.md).
 */
export class SpaceMembers extends SpaceCore {
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
    for (const userId of userIds) this.hub.close({ userId }, 'This space was deleted.');
    await this.blobs.purgeAll(); // R2 holds the files' bytes outside this object's storage.
    await this.wipeStorage();
    return userIds;
  }
  listMembers(): Member[] {
    return this.membership.members();
  }
  /**
   * A member whose role changed reconnects, so that their sockets carry the new role; one lowered
   * below editor loses their queued requests and held locks at once (L13).
   */
  async changeRole(userId: string, role: Role): Promise<Result<Member>> {
    const result = this.membership.changeRole(userId, role);
    if (!result.ok) return result;
    this.hub.close({ userId }, 'Your role in this space changed.');
    if (!roleAtLeast(role, 'editor')) await this.evictions.memberLost(userId, result.value.username);
    return result;
  }
  async removeMember(userId: string): Promise<Result<null>> {
    const username = this.membership.access(userId)?.username ?? 'a former member';
    const result = this.membership.remove(userId);
    if (!result.ok) return result;
    this.hub.close({ userId }, 'You are no longer a member of this space.');
    // A former member's devices get no more pushes from this space (L29).
    this.notifier.subscriptions.removeUser(userId);
    await this.evictions.memberLost(userId, username);
    return result;
  }
  createLink(draft: LinkDraft): Link {
    return this.links.create(draft);
  }
  listLinks(): Link[] {
    return this.links.list();
  }
  revokeLink(linkId: string): Result<Link> {
    return this.links.revoke(linkId);
  }
  previewLink(tokenHash: string): Result<{ space: SpaceInfo; role: Role }> {
    return this.links.preview(tokenHash);
  }
  redeemLink(tokenHash: string, user: { userId: string; username: string }): Result<SpaceAccess> {
    return this.links.redeem(tokenHash, user);
  }
}
