import { LOCK_TTL_DEFAULT_MS } from '#shared/locks/limits';
import { CourtesyLockMachine } from '#shared/locks/courtesy';
import { emptyLockState, type Clock } from '#shared/locks/machine';
import type {
  AcquireRequest,
  AcquireResponse,
  BreakRequest,
  BreakResponse,
  CancelResponse,
  LockHistoryEntry,
  LockHolder,
  LockHistoryResponse,
  LockOwner,
  LockSummary,
  LockVia,
  ReleaseResponse,
  RenewRequest,
  RenewResponse,
} from '#shared/locks/schemas';
import { fail, ok, type Result } from '../kernel/result';
import type { LockRef, LockStore } from './lock-store';
import { ReservationGate, type GateView, type Reserver } from './reservation-gate';
import { NOT_HELD } from './courtesy-results';
import { LockCourtesy } from './lock-courtesy';
import { SpaceReporter, type SpaceLink as ReportLink } from './space-reporter';
import { LockAnnouncer } from './lock-announcer';
import { stakeOf, summaryOf } from './lock-summary';

/** The lock's space: where it reports its changes (L11) and reserves its name before a grant (L22). */
export type SpaceLink = ReportLink & Reserver;

/** The lock's own sockets (commands and pushes) and its alarm. */
export interface LockPorts {
  /** Sends `text` to the lock socket `connId`, if it is still open. */
  pushTo(connId: string, text: string): void;
  /** Whether the lock socket `connId` is still open (hibernation keeps sockets; a restart does not). */
  isOpen(connId: string): boolean;
  scheduleAlarm(at: number): void;
}

/**
 * One lock's service, used by its LockObject: runs a machine command, persists state and history
 * in one transaction, then reports. A grant is recorded with the space's fence and acknowledged
 * before anyone hears of it (L11); other changes are reported without waiting, since a late
 * "freed" only keeps the fence stricter for a moment and reports commute (max tokens, newest rev).
 */
export class LockService {
  private machine: CourtesyLockMachine;
  private ref: LockRef | null;
  private alarmAt: number | null = null;
  /** Until the first command after this object (re)started: sockets may have died with the old one. */
  private fresh = true;

  private readonly reporter: SpaceReporter;
  private readonly announcer: LockAnnouncer;
  private readonly gate: ReservationGate;
  /** The courtesy commands: asks, hand-overs, stale checkouts, watches (L26–L31). */
  readonly courtesy: LockCourtesy;

  constructor(
    private readonly store: LockStore,
    private readonly clock: Clock,
    private readonly space: SpaceLink,
    private readonly ports: LockPorts,
  ) {
    const stored = store.load();
    this.ref = stored?.ref ?? null;
    this.machine = new CourtesyLockMachine(stored?.state ?? emptyLockState(), clock);
    this.reporter = new SpaceReporter(
      space,
      () => this.requireRef(),
      () => this.snapshot(),
      () => this.stake(),
    );
    this.announcer = new LockAnnouncer(this.reporter, ports.pushTo.bind(ports), () => this.snapshot());
    this.gate = new ReservationGate(space);
    this.courtesy = new LockCourtesy((command) => this.run(command));
  }

  /** Remembers which lock this object is; the first command stores it. */
  bind(ref: LockRef): void {
    if (this.ref && (this.ref.spaceId !== ref.spaceId || this.ref.name !== ref.name))
      throw new Error('LockObject addressed under two names');
    this.ref = ref;
  }

  /** `via` is the front the request came in on (L20): set by the route, not the client. */
  async acquire(
    owner: LockOwner,
    req: AcquireRequest,
    connId: string | null,
    via: LockVia = 'app',
  ): Promise<AcquireResponse> {
    const ttlMs = req.ttlMs ?? LOCK_TTL_DEFAULT_MS;
    const kind = req.kind ?? 'lease';
    // L32: a device that says how far it pulled gets no grant on an older copy of the item. A
    // retried request (L9) is answered as before, whatever it says.
    let version: number | undefined;
    if (req.seenSeq !== undefined && !this.machine.knows(req.requestId, owner.userId)) {
      const item = await this.space.itemVersion(this.requireRef().spaceId, this.name(), req.seenSeq);
      if (item && item.version > req.seenSeq)
        return { status: 'behind', name: this.name(), changes: item.behind, version: item.version };
      version = item?.version;
    }
    const asker: LockHolder = { ...owner, token: 0, kind, via, grantedAt: this.clock.now(), expiresAt: null };
    // L22: a free lock is granted only once its name is reserved with the space, so that no lock
    // overlapping it (a folder above, or anything inside a folder) is granted at the same time.
    return this.gate.run<AcquireResponse>(
      () => this.gateView(),
      asker,
      async () => {
        const outcome = await this.run((m) =>
          m.acquire({
            requestId: req.requestId,
            owner,
            kind,
            via,
            ttlMs,
            waitMs: req.waitMs ?? 0,
            connId,
            ...(version === undefined ? {} : { version }),
          }),
        );
        // A retry may reveal a grant whose fence report failed or was lost with an eviction (L9, L11).
        if (outcome.status === 'granted') await this.reporter.fence(outcome.token, owner.userId);
        if (
          outcome.status === 'granted' &&
          version !== undefined &&
          outcome.token === this.machine.state.lastToken
        )
          return { ...outcome, name: this.name(), version };
        return { ...outcome, name: this.name() };
      },
      (blocked) => ({
        status: 'busy',
        name: this.name(),
        holder: blocked.holder,
        expiresAt: blocked.holder.expiresAt,
        blockedBy: blocked.blockedBy,
      }),
    );
  }

  async renew(owner: LockOwner, req: RenewRequest): Promise<Result<RenewResponse>> {
    const outcome = await this.run((m) =>
      m.renew({ token: req.token, userId: owner.userId, ttlMs: req.ttlMs }),
    );
    return outcome.status === 'renewed' ? ok(outcome) : fail('LOCK_NOT_HELD', NOT_HELD);
  }

  /** `comment`: the check-in comment, kept as the release's history detail (L30). */
  async release(owner: LockOwner, token: number, comment?: string): Promise<Result<ReleaseResponse>> {
    // The releaser's answer reveals no grant: it need not wait while the next waiter is fenced.
    const outcome = this.runAnsweringAtOnce((m) =>
      m.release({ token, userId: owner.userId, ...(comment ? { comment } : {}) }),
    );
    if (outcome.status !== 'released') return fail('LOCK_NOT_HELD', NOT_HELD);
    // Once the release is answered, a lock that overlaps this one can be granted (L22), and the
    // space's fence has heard of it, so a write right after an UNLOCK is not refused.
    await this.reporter.flushNow();
    return ok(outcome);
  }

  async breakLock(by: LockOwner, req: BreakRequest): Promise<Result<BreakResponse>> {
    const outcome = this.runAnsweringAtOnce((m) => m.breakLock({ by, reason: req.reason ?? '' }));
    if (outcome.status !== 'broken') return fail('LOCK_NOT_HELD', 'Nobody holds this lock.');
    await this.reporter.flushNow(); // as for a release (L22)
    return ok(outcome);
  }

  async cancel(owner: LockOwner, requestId: string): Promise<CancelResponse> {
    return this.run((m) => m.cancel({ requestId, userId: owner.userId }));
  }

  /**
   * `userId` may no longer lock (removed, or lowered below editor): their waiters leave and their
   * lease ends, and the space's fence hears of it before this resolves (L13).
   */
  async evict(userId: string, detail: string): Promise<void> {
    await this.run((m) => m.evict({ userId, detail }));
    await this.reporter.flushNow();
  }

  /** A socket closed: its waiters leave the queue (L7). */
  async disconnect(connId: string): Promise<void> {
    if (!this.ref) return; // a socket that never sent a command left nothing behind
    await this.run((m) => m.disconnect(connId));
  }

  /** Expiry and waiter timeouts (L6); also run before every command. */
  async onAlarm(): Promise<void> {
    this.alarmAt = null;
    await this.run((m) => m.tick());
  }

  /** The lock now, after applying expiry (L6). */
  async summary(): Promise<LockSummary> {
    await this.run((m) => m.tick());
    return this.snapshot();
  }

  history(after: number, limit: number): LockHistoryResponse {
    const entries = this.store.history(after, limit);
    const last = entries.at(-1);
    return { name: this.name(), entries, next: entries.length === limit && last ? last.seq : null };
  }

  /** The latest `limit` history entries, oldest first (for the space-wide history). */
  latestHistory(limit: number): LockHistoryEntry[] {
    return this.store.latest(limit);
  }

  /** Runs one command (see {@link execute}); the answer waits for the fence, since it may reveal a grant (L11). */
  private async run<T>(command: (machine: CourtesyLockMachine) => T): Promise<T> {
    const { result, reported } = this.execute(command);
    await reported;
    return result;
  }

  /** Runs a command that grants nothing: answered before the fence hears of it. */
  private runAnsweringAtOnce<T>(command: (machine: CourtesyLockMachine) => T): T {
    const { result, reported } = this.execute(command);
    const name = this.name();
    reported.catch((error: unknown) => console.error(`lock ${name}: fencing a grant failed`, error));
    return result;
  }

  /**
   * Decides and persists synchronously (no await in between), then reports: `reported` settles
   * once the space has the changes and a grant is fenced; pushes of a grant always wait for it.
   */
  private execute<T>(command: (machine: CourtesyLockMachine) => T): { result: T; reported: Promise<void> } {
    const ref = this.requireRef();
    if (this.fresh) this.dropLostConnections();
    const result = command(this.machine);
    const dirty = this.machine.dirty;
    const changes = this.machine.drain();
    if (changes.length > 0 || dirty) this.store.save(ref, this.machine.state, changes);
    this.bookAlarm();
    const refence = () => this.announcer.refence(this.machine.state.holder);
    const reported = changes.length > 0 ? this.announcer.report(changes).then(refence) : refence();
    return { result, reported };
  }

  /**
   * After a restart, waiters whose lock socket did not survive leave the queue before anything is
   * granted (L14): their close was never delivered (L7), and a grant would be a lease nobody uses.
   * A client that reconnects retries its acquire (L9) and queues again.
   */
  private dropLostConnections(): void {
    this.fresh = false;
    const lost = new Set<string>();
    for (const waiter of this.machine.state.queue) {
      if (waiter.connId !== null && !this.ports.isOpen(waiter.connId)) lost.add(waiter.connId);
    }
    if (lost.size > 0) this.machine.dropConnections(lost);
  }

  private bookAlarm(): void {
    const next = this.machine.nextDeadline();
    // An early alarm is harmless (it finds nothing due and books again), so only move it earlier.
    if (next !== null && (this.alarmAt === null || next < this.alarmAt)) {
      this.alarmAt = next;
      this.ports.scheduleAlarm(next);
    }
  }

  private gateView(): GateView {
    const { holder, rev } = this.machine.state;
    const free = !holder || (holder.expiresAt !== null && holder.expiresAt <= this.clock.now());
    return { ...this.requireRef(), free, rev };
  }

  private stake(): string[] {
    return stakeOf(this.machine.state);
  }

  private snapshot(): LockSummary {
    return summaryOf(this.name(), this.machine.state);
  }

  private name(): string {
    return this.requireRef().name;
  }

  private requireRef(): LockRef {
    if (!this.ref) throw new Error('LockObject used before bind()');
    return this.ref;
  }
}
