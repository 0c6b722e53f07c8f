/**
 * Failed sign-in throttling, as pure functions over a small record per key (an address and
 * account pair, an account, a client address). The first `freeFailures` failures cost nothing;
 * after that each attempt must wait `baseDelayMs * 2^(extra failures)`, at most `lockoutMs`;
 * from `lockoutFailures` on, the key is refused for `lockoutMs`. A key with no failure for
 * `forgetAfterMs` starts clean.
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

/**
 * Per (client address, account) pair: 5 free failures, then 1 s, 2 s, 4 s, 8 s, 16 s, then refused
 * for 15 minutes (A6). Only the guesser's own address is shut out of that account.
 */
export const PAIR_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  baseDelayMs: 1000,
  lockoutFailures: 10,
  lockoutMs: 15 * MINUTE,
  forgetAfterMs: 15 * MINUTE,
};

/**
 * Per account, from every address together (A10): slower guessing from many addresses, but
 * never a lock-out of its owner: 20 free failures, then a wait doubling from 1 s up to 1 minute
 * and no more. A passkey sign-in does not pass through it at all.
 */
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  freeFailures: 20,
  baseDelayMs: 1000,
  lockoutFailures: Number.POSITIVE_INFINITY,
  lockoutMs: MINUTE,
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

/**
 * Per client address, for the routes that tell whether a username is taken (sign-up, passkey
 * registration options; A11): 10 taken names free, then 1 s doubling, refused from 30.
 */
export const PROBE_THROTTLE: ThrottlePolicy = {
  freeFailures: 10,
  baseDelayMs: 1000,
  lockoutFailures: 30,
  lockoutMs: 15 * MINUTE,
  forgetAfterMs: 15 * MINUTE,
};

/** A throttle key with its policy, as the directory takes them. */
export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** The keys of one password sign-in attempt (A6, A10), and which of them a success clears or gives back. */
export function signInThrottle(
  address: string,
  username: string,
): { keys: ThrottleKey[]; clear: string[]; giveBack: string[] } {
  const pair = `pair:${address}|${username}`;
  const account = `acct:${username}`;
  const addr = `addr:${address}`;
  return {
    keys: [
      { key: pair, policy: PAIR_THROTTLE },
      { key: account, policy: ACCOUNT_THROTTLE },
      { key: addr, policy: ADDRESS_THROTTLE },
    ],
    // The owner's success starts their own pair clean; it gives back only its own count elsewhere,
    // so that signing in does not reset what guessers from other addresses ran up.
    clear: [pair],
    giveBack: [account, addr],
  };
}

/** The key of the username-revealing routes for one client address (A11). */
export function probeThrottle(address: string): ThrottleKey {
  return { key: `probe:${address}`, policy: PROBE_THROTTLE };
}

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
