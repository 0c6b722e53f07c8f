import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '#shared/errors';
import type { Result } from '../kernel/result';

/** The one error class of the Worker: thrown anywhere, turned into the JSON error body by `onError`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { retryAfterMs?: number; details?: unknown } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** A JSON error response for `error`, with `Retry-After` when the caller should wait. */
export function errorResponse(error: ApiError): Response {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
  if (error.retryAfterMs !== undefined) {
    headers.set('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  }
  return new Response(JSON.stringify(error.toBody()), { status: error.status, headers });
}

/** The value of `result`, or its failure thrown as an `ApiError` (in routes). */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) {
    const { retryAfterMs, details } = result;
    throw new ApiError(result.code, result.message, {
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(details === undefined ? {} : { details }),
    });
  }
  return result.value;
}
