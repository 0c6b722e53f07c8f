import * as v from 'valibot';

/** Characters of a server-made id: 16 random bytes in base64url without padding. */
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A space id made by the server (22 url-safe characters, 128 random bits). */
export const SpaceIdSchema = v.pipe(v.string(), v.regex(ID_PATTERN, 'Not a space id.'));

/** A space id. */
export type SpaceId = v.InferOutput<typeof SpaceIdSchema>;

/** A user id made by the server (same shape as a space id). */
export const UserIdSchema = v.pipe(v.string(), v.regex(ID_PATTERN, 'Not a user id.'));

/** A user id. */
export type UserId = v.InferOutput<typeof UserIdSchema>;

/** The public id of a session or a share link (not its secret token). */
export const RecordIdSchema = v.pipe(v.string(), v.regex(ID_PATTERN, 'Not an id.'));

/** The public id of a session or a share link. */
export type RecordId = v.InferOutput<typeof RecordIdSchema>;
