import type { CourtesyLockMachine } from '#shared/locks/courtesy';
import type { LockOwner } from '#shared/locks/schemas';
import type {
  AnswerRequest,
  AskResponse,
  HandOverRequest,
  HandOverResponse,
  WatchResponse,
} from '#shared/notices/schemas';
import { ok, type Result } from '../kernel/result';
import { askResult, holderFailure, staleResult } from './courtesy-results';

/** Runs one machine command and persists and reports it (LockService's `run`). */
export type RunCommand = <T>(command: (machine: CourtesyLockMachine) => T) => Promise<T>;

/**
 * The courtesy side of a lock (L26–L31): asking the holder for it, the holder's answers and
 * hand-overs, taking a stale checkout, and watching for the lock to be free. Each is one command
 * of the lock's machine, fenced and reported like any other.
 */
export class LockCourtesy {
  constructor(private readonly run: RunCommand) {}

  /** Asks the holder to release (L26). */
  async ask(owner: LockOwner, message: string): Promise<Result<AskResponse>> {
    return askResult(await this.run((m) => m.ask({ owner, message })));
  }

  /** The holder answers an ask with more time (L26). */
  async answer(owner: LockOwner, req: AnswerRequest): Promise<Result<{ status: 'answered' }>> {
    const outcome = await this.run((m) => m.answer({ ...req, userId: owner.userId }));
    return outcome.status === 'done' ? ok({ status: 'answered' }) : holderFailure(outcome);
  }

  /** The holder hands the lock to someone who asked (L27); the new grant is fenced before the answer. */
  async handOver(owner: LockOwner, req: HandOverRequest): Promise<Result<HandOverResponse>> {
    const outcome = await this.run((m) =>
      m.handOver({ token: req.token, userId: owner.userId, to: req.to, comment: req.comment ?? '' }),
    );
    return outcome.status === 'done'
      ? ok({ status: 'handed_over', token: outcome.token })
      : holderFailure(outcome);
  }

  /** Takes a stale checkout after an unanswered ask (L31); the new grant is fenced before the answer. */
  async takeStale(
    owner: LockOwner,
    facts: { staleAfterMs: number; activeAt: number | null },
  ): Promise<Result<HandOverResponse>> {
    return staleResult(await this.run((m) => m.takeStale({ owner, ...facts })));
  }

  /** Be told once when the lock is free, without joining the line (L28). */
  async watch(owner: LockOwner, notify: boolean): Promise<WatchResponse> {
    return this.run((m) => m.watch({ owner, notify }));
  }
}
