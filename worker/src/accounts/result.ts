import type { ErrorCode } from '#shared/errors';
import { ApiError } from '../http/api-error';

/**
 * What domain code answers for expected failures: a value, or a code and a message. Plain data,
 * so it crosses Durable Object RPC unchanged (thrown classes do not).
 */
export type Result<T> =
  { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; retryAfterMs?: number };

/** A successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed result. */
export function fail<T = never>(code: ErrorCode, message: string, retryAfterMs?: number): Result<T> {
  return retryAfterMs === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, retryAfterMs };
}

/** The value of `result`, or its failure thrown as an `ApiError` (in routes). */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) {
    const options = result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs };
    throw new ApiError(result.code, result.message, options);
  }
  return result.value;
}

/** The injected clock of domain code. */
export interface Clock {
  now(): number;
}

/** The real clock. In a Durable Object, `Date.now()` only moves after I/O, which is enough here. */
export const systemClock: Clock = { now: () => Date.now() };
