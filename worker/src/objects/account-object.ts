import { DurableObject } from 'cloudflare:workers';
import type { AppPasswordAccess, AppPasswordInfo } from '#shared/accounts/app-passwords';
import type { SessionInfo, User } from '#shared/accounts/auth';
import { AppPasswordStore, type AppPasswordGrant } from '../accounts/app-password-store';
import {
  Directory,
  DIRECTORY_SCHEMA,
  type PendingChallenge,
  type StoredPasskey,
} from '../accounts/directory';
import { systemClock } from '../kernel/clock';
import type { Result } from '../kernel/result';
import type { ThrottleKey } from '../accounts/throttle';
import { UserRecord, type MembershipEntry, type SessionOwner } from '../accounts/user-record';
import type { Env } from '../env';
import { makeVapidKeys, type VapidKeys } from '../push/web-push';
import * as v from 'valibot';

const VapidKeysSchema = v.object({ publicKey: v.string(), privateKey: v.string() });
import { migrate } from '../storage/migrate';

/**
 * Accounts, in two kinds of instance sharing one schema: the single `directory` (unique
 * usernames, password hashes, passkeys, challenges, sign-in throttles) and one `user:<userId>`
 * per user (their sessions and list of spaces). A thin RPC adapter over {@link Directory} and
 * {@link UserRecord}; password hashing happens in the calling Worker, never here.
 */
export class AccountObject extends DurableObject<Env> {
  private readonly directory: Directory;
  private readonly record: UserRecord;
  private readonly appPasswords: AppPasswordStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, DIRECTORY_SCHEMA);
    this.directory = new Directory(ctx.storage.sql, systemClock);
    this.record = new UserRecord(ctx.storage.sql, systemClock);
    this.appPasswords = new AppPasswordStore(ctx.storage.sql, systemClock, this.directory);
  }

  // The directory.
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
  beginAttempt(keys: ThrottleKey[], what?: string): Result<null> {
    return this.directory.beginAttempt(keys, what);
  }
  attemptWaitMs(keys: ThrottleKey[]): number {
    return this.directory.attemptWaitMs(keys);
  }
  recordFailures(keys: ThrottleKey[]): void {
    this.directory.recordFailures(keys);
  }
  forgiveAttempt(clear: string[], giveBack: string[]): void {
    this.directory.forgiveAttempt(clear, giveBack);
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

  // One user's record.
  createSession(userId: string, username: string, tokenHash: string, device: string): { sessionId: string } {
    return this.record.createSession(userId, username, tokenHash, device);
  }
  sessionByTokenHash(tokenHash: string): SessionOwner | undefined {
    return this.record.sessionByTokenHash(tokenHash);
  }
  listSessions(currentSessionId: string): SessionInfo[] {
    return this.record.listSessions(currentSessionId);
  }
  revokeSession(sessionId: string): boolean {
    return this.record.revokeSession(sessionId);
  }
  putMembership(userId: string, entry: MembershipEntry): void {
    this.record.putMembership(userId, entry);
  }
  renameMembership(spaceId: string, name: string): void {
    this.record.renameMembership(spaceId, name);
  }
  dropMembership(spaceId: string): void {
    this.record.dropMembership(spaceId);
  }
  listMemberships(): MembershipEntry[] {
    return this.record.listMemberships();
  }

  // One user's app passwords.
  createAppPassword(
    input: { name: string; spaceId: string | null; access: AppPasswordAccess },
    tokenHash: string,
  ): Result<AppPasswordInfo> {
    return this.appPasswords.create(input, tokenHash);
  }
  listAppPasswords(): AppPasswordInfo[] {
    return this.appPasswords.list();
  }
  revokeAppPassword(appPasswordId: string): boolean {
    return this.appPasswords.revoke(appPasswordId);
  }
  /** Checks an app password of this user (see AppPasswordStore.check) and names its owner. */
  checkAppPassword(tokenHash: string): Result<AppPasswordGrant & { username: string }> {
    const result = this.appPasswords.check(tokenHash);
    return result.ok ? { ok: true, value: { ...result.value, username: this.record.username() } } : result;
  }

  /**
   * The server's VAPID key pair for Web Push (RFC 8292), made on first use and kept in the
   * directory's storage with the rest of the server's data (only the `directory` instance has one).
   */
  async vapidKeys(): Promise<VapidKeys> {
    const read = () =>
      this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'vapid'").toArray()[0]
        ?.value;
    const stored = read();
    if (stored) return v.parse(VapidKeysSchema, JSON.parse(stored));
    const made = await makeVapidKeys();
    // Two first calls may race: the first key stored wins, and both answer it.
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO meta (key, value) VALUES ('vapid', ?)",
      JSON.stringify(made),
    );
    return v.parse(VapidKeysSchema, JSON.parse(read() ?? JSON.stringify(made)));
  }
}
