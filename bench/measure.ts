/** Megabytes (10^6 bytes) per second of `bytes` moved in `ms`. */
export const mbPerS = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/** The median (the upper one of an even count). */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Milliseconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
