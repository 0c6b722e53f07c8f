import { DurableObject } from 'cloudflare:workers';
import type { SessionInfo, User } from '#shared/accounts/auth';
import {
  Directory,
  DIRECTORY_SCHEMA,
  type MembershipEntry,
  type PendingChallenge,
  type SessionOwner,
  type StoredPasskey,
} from '../accounts/directory';
import { systemClock, type Result } from '../accounts/result';
import type { ThrottlePolicy } from '../accounts/throttle';
import type { Env } from '../env';
import { migrate } from '../storage/migrate';

/**
 * The account directory: one instance, named 'directory', holding users, credentials, sessions,
 * sign-in throttles and each user's list of spaces. A thin RPC adapter over {@link Directory};
 * password hashing happens in the calling Worker, so this single object never spends CPU on it.
 */
export class AccountObject extends DurableObject<Env> {
  private readonly directory: Directory;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, DIRECTORY_SCHEMA);
    this.directory = new Directory(ctx.storage.sql, systemClock);
  }

  createUser(username: string, passwordHash: string | null, userId?: string): Result<{ userId: string }> {
    return this.directory.createUser(username, passwordHash, userId);
  }

  usernameTaken(username: string): boolean {
    return this.directory.usernameTaken(username);
  }

  user(userId: string): User | undefined {
    return this.directory.user(userId);
  }

  passwordOf(username: string): { userId: string; passwordHash: string | null } | undefined {
    return this.directory.passwordOf(username);
  }

  beginAttempt(keys: { key: string; policy: ThrottlePolicy }[]): Result<null> {
    return this.directory.beginAttempt(keys);
  }

  forgiveAttempt(accountKey: string | null, addressKey: string): void {
    this.directory.forgiveAttempt(accountKey, addressKey);
  }

  createSession(userId: string, tokenHash: string, device: string): { sessionId: string } {
    return this.directory.createSession(userId, tokenHash, device);
  }

  sessionByTokenHash(tokenHash: string): SessionOwner | undefined {
    return this.directory.sessionByTokenHash(tokenHash);
  }

  listSessions(userId: string, currentSessionId: string): SessionInfo[] {
    return this.directory.listSessions(userId, currentSessionId);
  }

  revokeSession(userId: string, sessionId: string): boolean {
    return this.directory.revokeSession(userId, sessionId);
  }

  putMembership(userId: string, entry: MembershipEntry): void {
    this.directory.putMembership(userId, entry);
  }

  dropMembership(userId: string, spaceId: string): void {
    this.directory.dropMembership(userId, spaceId);
  }

  renameSpace(spaceId: string, name: string): void {
    this.directory.renameSpace(spaceId, name);
  }

  dropSpace(spaceId: string): void {
    this.directory.dropSpace(spaceId);
  }

  listMemberships(userId: string): MembershipEntry[] {
    return this.directory.listMemberships(userId);
  }

  putChallenge(challenge: PendingChallenge): { challengeId: string } {
    return this.directory.putChallenge(challenge);
  }

  takeChallenge(challengeId: string, purpose: PendingChallenge['purpose']): PendingChallenge | undefined {
    return this.directory.takeChallenge(challengeId, purpose);
  }

  addPasskey(userId: string, passkey: StoredPasskey): Result<null> {
    return this.directory.addPasskey(userId, passkey);
  }

  passkey(credentialId: string): (StoredPasskey & { userId: string }) | undefined {
    return this.directory.passkey(credentialId);
  }

  passkeysOf(userId: string): { credentialId: string; transports: string[] }[] {
    return this.directory.passkeysOf(userId);
  }

  setPasskeyCounter(credentialId: string, counter: number): void {
    this.directory.setPasskeyCounter(credentialId, counter);
  }
}
