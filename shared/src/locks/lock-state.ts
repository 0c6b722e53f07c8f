import type { NoticeKind } from '../notices/schemas';
import type { LockEventKind, LockHolder, LockKind, LockOwner, LockVia } from './schemas';

// What one lock knows and what it tells: the plain JSON the lock machine works on and persists.

/** Where the machine reads the time. Durable Objects pass `Date.now`; tests pass a fake. */
export interface Clock {
  now(): number;
}

/**
 * The grant of the current holder: a lease (`expiresAt`, renewed or it runs out) or a checkout
 * (`expiresAt` and `ttlMs` null: held until released or broken, rule L19).
 */
export interface Lease {
  token: number;
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  /** The front that took it (rule L20). */
  via: LockVia;
  grantedAt: number;
  expiresAt: number | null;
  ttlMs: number | null;
  /** The connection that asked, when it asked over a socket; its grant is pushed there. */
  connId: string | null;
}

/** A caller waiting in line (rule L7). */
export interface Waiter {
  requestId: string;
  owner: LockOwner;
  kind: LockKind;
  via: LockVia;
  /** Null for a checkout. */
  ttlMs: number | null;
  enqueuedAt: number;
  /** When the caller stops waiting. */
  deadline: number;
  connId: string | null;
  /** When an HTTP waiter last asked (rule L14); absent until it asks again. */
  seenAt?: number;
}

/** Someone asked the current holder to release (L26); cleared when the holder changes. */
export interface Ask {
  owner: LockOwner;
  message: string;
  at: number;
  /** When the holder answered ("5 more minutes"), or null while unanswered. */
  answeredAt: number | null;
}

/**
 * Everything one lock knows, as plain JSON: the adapter persists it whole after every command,
 * so a crash or eviction resumes exactly where the last answered command left off.
 */
export interface LockState {
  /** The highest token ever issued; never decreases (rule L3). */
  lastToken: number;
  rev: number;
  holder: Lease | null;
  queue: Waiter[];
  /** The last grants by request id, so that a retried acquire is recognised (rule L9). */
  served: { requestId: string; userId: string; token: number }[];
  /** Asks to the current holder (L26). */
  asks: Ask[];
  /** Who wants to be told once when the current grant ends, without waiting in line (L28). */
  watchers: LockOwner[];
}

/** Whom a change must be told to, personally (a notice, L26–L29), and what. */
export interface ChangeNotice {
  userIds: string[];
  kind: NoticeKind;
  /** The username of who caused it, or null when time did. */
  from: string | null;
  message: string;
  askerId?: string;
  requestId?: string;
  token?: number;
}

/** Something that happened to the lock: a history line (rule L10) and a live event. */
export interface LockChange {
  kind: LockEventKind;
  at: number;
  token: number | null;
  requestId: string | null;
  actor: LockOwner | null;
  /** The front of the grant or request concerned (rule L20). */
  via: LockVia | null;
  detail: string;
  /** The socket to tell: the grantee's for a grant, the holder's for an expiry or a break. */
  connId: string | null;
  /** Someone to tell personally (L26–L29). */
  notify?: ChangeNotice;
}

/** A lock that was never granted. */
export function emptyLockState(): LockState {
  return { lastToken: 0, rev: 0, holder: null, queue: [], served: [], asks: [], watchers: [] };
}

/** The public view of a lease. */
export function holderOf(lease: Lease): LockHolder {
  return {
    userId: lease.owner.userId,
    username: lease.owner.username,
    token: lease.token,
    kind: lease.kind,
    via: lease.via,
    grantedAt: lease.grantedAt,
    expiresAt: lease.expiresAt,
  };
}
