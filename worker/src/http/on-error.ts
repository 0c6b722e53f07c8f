import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, errorResponse } from './api-error';

/**
 * The Worker's single error path. Expected failures arrive as `ApiError`; anything else is a
 * bug, logged in full here and answered as a JSON 500 that carries no stack or internals.
 */
export function onError(error: Error, c: Context): Response {
  if (error instanceof ApiError) return errorResponse(error);
  if (error instanceof HTTPException) {
    // Hono's own failures (for example a body that is not JSON) are the caller's fault.
    const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    return errorResponse(new ApiError(code, error.message || 'The request could not be read.'));
  }
  console.error(`Unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}:`, error);
  return errorResponse(new ApiError('INTERNAL', 'Something went wrong on the server. Try again.'));
}

/** JSON 404 for any `/api/*` path no route matches. */
export function apiNotFound(c: Context): Response {
  return errorResponse(
    new ApiError('NOT_FOUND', `No API route matches ${c.req.method} ${new URL(c.req.url).pathname}.`),
  );
}
