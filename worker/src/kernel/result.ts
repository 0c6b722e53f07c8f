import type { ErrorCode } from '#shared/errors';

/**
 * What domain code answers for expected failures: a value, or a code and a message (with a wait
 * or details the error body carries). Plain data, so it crosses Durable Object RPC unchanged
 * (thrown classes do not); routes turn a failure into an `ApiError` with `unwrap` (http/api-error.ts).
 */
export type Result<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string; retryAfterMs?: number; details?: FailureDetails };

/**
 * Details of a failure (the error body's `details`), such as the parts an upload still misses.
 * Flat and serializable, so that the type survives Durable Object RPC: with `unknown` there, RPC
 * typing would turn the whole failure branch into `never`.
 */
export type FailureDetails = Record<string, string | number | boolean | null | string[] | number[]>;

/** What a failure may carry besides its code and message. */
export interface FailureExtras {
  retryAfterMs?: number;
  details?: FailureDetails;
}

/** A successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed result. */
export function fail<T = never>(code: ErrorCode, message: string, extras: FailureExtras = {}): Result<T> {
  const failure: Result<T> = { ok: false, code, message };
  if (extras.retryAfterMs !== undefined) failure.retryAfterMs = extras.retryAfterMs;
  if (extras.details !== undefined) failure.details = extras.details;
  return failure;
}
