import { ERROR_REACTION, isErrorCode, type ErrorBody, type ErrorReaction } from '#shared/errors';

/** A failed sync request, with what the client should do about it (retry, reject the edits, stop). */
export class SyncError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly reaction: ErrorReaction,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

/** The error a refused request stands for, from the server's status and error body (if it sent one). */
export function syncFailure(status: number, body: ErrorBody | null): SyncError {
  const code = body ? body.code : `HTTP_${status}`;
  const message = body ? body.message : `The server answered ${status}.`;
  const reaction: ErrorReaction = isErrorCode(code)
    ? ERROR_REACTION[code]
    : status >= 500
      ? 'retry'
      : 'reject';
  return new SyncError(code, message, status, reaction, body?.retryAfterMs);
}
