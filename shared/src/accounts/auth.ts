import * as v from 'valibot';
import { RecordIdSchema, UserIdSchema } from './ids';
import { UsernameSchema } from './username';

/** Shortest password accepted at sign-up. */
export const PASSWORD_MIN = 8;
/** Longest password accepted (bounds the hashing work one request can ask for). */
export const PASSWORD_MAX = 256;

/** The name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'baton_session';

/** A new password, checked for length. */
export const PasswordSchema = v.pipe(
  v.string(),
  v.minLength(PASSWORD_MIN, `A password has at least ${PASSWORD_MIN} characters.`),
  v.maxLength(PASSWORD_MAX, `A password has at most ${PASSWORD_MAX} characters.`),
);

/** `POST /api/auth/sign-up`: create an account with a password. */
export const SignUpRequestSchema = v.strictObject({ username: UsernameSchema, password: PasswordSchema });
/** Body of `POST /api/auth/sign-up`. */
export type SignUpRequest = v.InferOutput<typeof SignUpRequestSchema>;

/**
 * `POST /api/auth/sign-in`. The password is only bounded, not checked against the sign-up rules,
 * so that a rule change never locks anyone out.
 */
export const SignInRequestSchema = v.strictObject({
  username: v.pipe(v.string(), v.maxLength(200)),
  password: v.pipe(v.string(), v.maxLength(PASSWORD_MAX)),
});
/** Body of `POST /api/auth/sign-in`. */
export type SignInRequest = v.InferOutput<typeof SignInRequestSchema>;

/** The signed-in user, as answered by sign-up, sign-in and `GET /api/auth/me`. */
export const UserSchema = v.object({
  userId: UserIdSchema,
  username: v.string(),
  hasPassword: v.boolean(),
  passkeys: v.number(),
});
/** The signed-in user. */
export type User = v.InferOutput<typeof UserSchema>;

/** Response of sign-up, sign-in and `GET /api/auth/me`. */
export const MeResponseSchema = v.object({ user: UserSchema });
/** Response of sign-up, sign-in and `GET /api/auth/me`. */
export type MeResponse = v.InferOutput<typeof MeResponseSchema>;

/** Response of `GET /api/auth/me`: the signed-in user, or `null` when there is no live session. */
export const MeOrNobodyResponseSchema = v.object({ user: v.nullable(UserSchema) });
/** Response of `GET /api/auth/me`. */
export type MeOrNobodyResponse = v.InferOutput<typeof MeOrNobodyResponseSchema>;

/** One of the user's sessions, for `GET /api/auth/sessions`. */
export const SessionInfoSchema = v.object({
  sessionId: RecordIdSchema,
  device: v.string(),
  createdAt: v.number(),
  lastSeenAt: v.number(),
  current: v.boolean(),
});
/** One of the user's sessions. */
export type SessionInfo = v.InferOutput<typeof SessionInfoSchema>;

/** Response of `GET /api/auth/sessions`, newest first. */
export const SessionListResponseSchema = v.object({ sessions: v.array(SessionInfoSchema) });
/** Response of `GET /api/auth/sessions`. */
export type SessionListResponse = v.InferOutput<typeof SessionListResponseSchema>;
