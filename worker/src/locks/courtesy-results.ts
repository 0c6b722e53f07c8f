import type { AskOutcome, HolderOutcome, StaleOutcome } from '#shared/locks/courtesy';
import type { AskResponse, HandOverResponse } from '#shared/notices/schemas';
import { fail, ok, type Result } from '../kernel/result';

// The answers of the people-around-a-check-out commands (L26–L31) as API results: each refusal
// an error code and a sentence for a person.

/** Refused to someone who does not hold the lock with that token. */
export const NOT_HELD =
  'You do not hold this lock with that token (it was released, expired, broken or never yours).';

export function askResult(outcome: AskOutcome): Result<AskResponse> {
  if (outcome.status === 'asked') return ok(outcome);
  return outcome.status === 'yours'
    ? fail('CONFLICT', 'You hold this lock yourself.')
    : fail('LOCK_NOT_HELD', 'Nobody holds this lock: take it instead of asking.');
}

/** Why the holder's answer or hand-over was refused (L26, L27). */
export function holderFailure(outcome: Exclude<HolderOutcome, { status: 'done' }>): Result<never> {
  return outcome.status === 'not_held'
    ? fail('LOCK_NOT_HELD', NOT_HELD)
    : fail('NOT_FOUND', 'That person has not asked for this lock.');
}

export function staleResult(outcome: StaleOutcome): Result<HandOverResponse> {
  switch (outcome.status) {
    case 'done':
      return ok({ status: 'handed_over', token: outcome.token });
    case 'not_held':
      return fail('LOCK_NOT_HELD', 'Nobody holds this lock: take it instead.');
    case 'yours':
      return fail('CONFLICT', 'You hold this lock yourself.');
    case 'not_stale':
      return fail('CONFLICT', 'This check-out is not stale: its holder was active within the space’s rule.');
    case 'not_asked':
      return fail(
        'CONFLICT',
        'Ask the holder first; you can take it when your ask has had no answer for 24 hours.',
      );
  }
}
