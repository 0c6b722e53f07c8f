/** First retry delay after a failure (ms). */
export const BACKOFF_BASE_MS = 500;
/** Longest wait between retries (ms). */
export const BACKOFF_CAP_MS = 60_000;

/**
 * Exponential backoff with "equal jitter": between half and all of min(cap, base * 2^attempt),
 * so that many clients cut off together do not come back in lockstep (S12).
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  base = BACKOFF_BASE_MS,
  cap = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
