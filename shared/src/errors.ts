import * as v from 'valibot';

/**
 * Every machine-readable error code the API can answer with. The client maps each code to
 * one of three reactions (see {@link ERROR_REACTION}).
 */
export const ERROR_CODE = {
  BAD_REQUEST: 'BAD_REQUEST',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_ORIGIN: 'BAD_ORIGIN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL: 'INTERNAL',
  UNAVAILABLE: 'UNAVAILABLE',
  // Blobs (docs/spec/blobs.md)
  HASH_MISMATCH: 'HASH_MISMATCH',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  RANGE_NOT_SATISFIABLE: 'RANGE_NOT_SATISFIABLE',
  UPLOAD_INCOMPLETE: 'UPLOAD_INCOMPLETE',
  UPLOAD_BUSY: 'UPLOAD_BUSY',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  LAST_OWNER: 'LAST_OWNER',
  LINK_EXPIRED: 'LINK_EXPIRED',
  LINK_USED_UP: 'LINK_USED_UP',
  LINK_REVOKED: 'LINK_REVOKED',
  // Locks (docs/spec/locks.md)
  LOCK_NOT_HELD: 'LOCK_NOT_HELD',
  BAD_LOCK_NAME: 'BAD_LOCK_NAME',
  LOCK_CLAIM_INVALID: 'LOCK_CLAIM_INVALID',
  UPLOAD_NOT_YOURS: 'UPLOAD_NOT_YOURS',
  // Sync (docs/spec/sync.md)
  CLOCK_SKEW: 'CLOCK_SKEW',
  FENCED: 'FENCED',
  KIND_MISMATCH: 'KIND_MISMATCH',
  ITEM_TOO_LARGE: 'ITEM_TOO_LARGE',
  // WebDAV (docs/spec/webdav.md)
  LOCKED: 'LOCKED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  LENGTH_REQUIRED: 'LENGTH_REQUIRED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  BAD_DESTINATION: 'BAD_DESTINATION',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
} as const;

/** One of {@link ERROR_CODE}. */
export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

/** The one JSON error body every failed API request answers with. */
export const ErrorBodySchema = v.object({
  code: v.string(),
  message: v.string(),
  retryAfterMs: v.optional(v.number()),
  details: v.optional(v.unknown()),
});

/** The JSON error body: `{ code, message, retryAfterMs? }`. */
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/** What a client does with an error: try again later, show it to the user and keep the data, or stop. */
export type ErrorReaction = 'retry' | 'reject' | 'stop';

/** How the client reacts to each code. Unknown codes from a newer server are treated as `reject`. */
export const ERROR_REACTION: Record<ErrorCode, ErrorReaction> = {
  BAD_REQUEST: 'reject',
  VALIDATION_FAILED: 'reject',
  PAYLOAD_TOO_LARGE: 'reject',
  UNAUTHENTICATED: 'stop',
  FORBIDDEN: 'reject',
  BAD_ORIGIN: 'stop',
  NOT_FOUND: 'reject',
  METHOD_NOT_ALLOWED: 'reject',
  CONFLICT: 'reject',
  RATE_LIMITED: 'retry',
  INTERNAL: 'retry',
  UNAVAILABLE: 'retry',
  HASH_MISMATCH: 'reject',
  FILE_TOO_LARGE: 'reject',
  QUOTA_EXCEEDED: 'reject',
  RANGE_NOT_SATISFIABLE: 'reject',
  UPLOAD_INCOMPLETE: 'reject',
  UPLOAD_BUSY: 'retry',
  INVALID_CREDENTIALS: 'reject',
  USERNAME_TAKEN: 'reject',
  LAST_OWNER: 'reject',
  LINK_EXPIRED: 'reject',
  LINK_USED_UP: 'reject',
  LINK_REVOKED: 'reject',
  LOCK_NOT_HELD: 'stop',
  BAD_LOCK_NAME: 'reject',
  LOCK_CLAIM_INVALID: 'reject',
  UPLOAD_NOT_YOURS: 'reject',
  CLOCK_SKEW: 'reject',
  FENCED: 'reject',
  KIND_MISMATCH: 'reject',
  ITEM_TOO_LARGE: 'reject',
  LOCKED: 'reject',
  PRECONDITION_FAILED: 'reject',
  LENGTH_REQUIRED: 'reject',
  UNSUPPORTED_MEDIA_TYPE: 'reject',
  BAD_DESTINATION: 'reject',
  NOT_IMPLEMENTED: 'reject',
};

/** The HTTP status each code is sent with. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_ORIGIN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  HASH_MISMATCH: 422,
  FILE_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 507,
  RANGE_NOT_SATISFIABLE: 416,
  UPLOAD_INCOMPLETE: 409,
  UPLOAD_BUSY: 409,
  INVALID_CREDENTIALS: 401,
  USERNAME_TAKEN: 409,
  LAST_OWNER: 409,
  LINK_EXPIRED: 410,
  LINK_USED_UP: 410,
  LINK_REVOKED: 410,
  LOCK_NOT_HELD: 409,
  BAD_LOCK_NAME: 400,
  LOCK_CLAIM_INVALID: 409,
  UPLOAD_NOT_YOURS: 403,
  CLOCK_SKEW: 400,
  FENCED: 409,
  KIND_MISMATCH: 409,
  ITEM_TOO_LARGE: 413,
  LOCKED: 423,
  PRECONDITION_FAILED: 412,
  LENGTH_REQUIRED: 411,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_DESTINATION: 502,
  NOT_IMPLEMENTED: 501,
};

/** True when `code` is one this version of the protocol knows. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODE, code);
}
