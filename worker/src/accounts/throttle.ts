/**
 * Failed sign-in throttling, as pure functions over a small record per key (an account or a
 * client address). The first `freeFailures` failures cost nothing; after that each attempt must
 * wait `baseDelayMs * 2^(extra failures)`; from `lockoutFailures` on, the key is refused for
 * `lockoutMs`. A key with no failure for `forgetAfterMs` starts clean.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayMs: number;
  lockoutFailures: number;
  lockoutMs: number;
  forgetAfterMs: number;
}

/** What is remembered per key. */
export interface ThrottleState {
  failures: number;
  lastFailureAt: number;
}

const MINUTE = 60_000;

/** Per account: 5 free failures, then 1 s, 2 s, 4 s, 8 s, 16 s, then refused for 15 minutes. */
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  baseDelayMs: 1000,
  lockoutFailures: 10,
  lockoutMs: 15 * MINUTE,
  forgetAfterMs: 15 * MINUTE,
};

/** Per client address (shared by everyone behind one NAT, so looser): 20 free, refused from 50. */
export const ADDRESS_THROTTLE: ThrottlePolicy = {
  freeFailures: 20,
  baseDelayMs: 1000,
  lockoutFailures: 50,
  lockoutMs: 15 * MINUTE,
  forgetAfterMs: 15 * MINUTE,
};

function isForgotten(state: ThrottleState, policy: ThrottlePolicy, now: number): boolean {
  return now - state.lastFailureAt >= Math.max(policy.forgetAfterMs, policy.lockoutMs);
}

/** Milliseconds the key must wait before its next attempt; 0 when it may try now. */
export function throttleWaitMs(
  state: ThrottleState | undefined,
  policy: ThrottlePolicy,
  now: number,
): number {
  if (!state || isForgotten(state, policy, now)) return 0;
  let delay = 0;
  if (state.failures >= policy.lockoutFailures) delay = policy.lockoutMs;
  else if (state.failures >= policy.freeFailures) {
    delay = Math.min(policy.lockoutMs, policy.baseDelayMs * 2 ** (state.failures - policy.freeFailures));
  }
  return Math.max(0, state.lastFailureAt + delay - now);
}

/** The state after one more failure at `now`. */
export function recordFailure(
  state: ThrottleState | undefined,
  policy: ThrottlePolicy,
  now: number,
): ThrottleState {
  if (!state || isForgotten(state, policy, now)) return { failures: 1, lastFailureAt: now };
  return { failures: state.failures + 1, lastFailureAt: now };
}
