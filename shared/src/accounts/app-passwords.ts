import * as v from 'valibot';
import { RecordIdSchema, SpaceIdSchema } from './ids';

/** Most app passwords one user may hold at once. */
export const APP_PASSWORDS_MAX = 50;

/** What an app password may do: read (at most a viewer's rights) or write (up to the user's role). */
export const AppPasswordAccessSchema = v.picklist(['read', 'write']);
/** What an app password may do. */
export type AppPasswordAccess = v.InferOutput<typeof AppPasswordAccessSchema>;

/** The name a person gives an app password ("Work laptop", "rclone"). */
export const AppPasswordNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'Give the app password a name.'),
  v.maxLength(100, 'An app password name has at most 100 characters.'),
);

/** `POST /api/auth/app-passwords`: one space (`spaceId`) or all the user's spaces (`null`). */
export const CreateAppPasswordRequestSchema = v.strictObject({
  name: AppPasswordNameSchema,
  spaceId: v.nullable(SpaceIdSchema),
  access: AppPasswordAccessSchema,
});
/** Body of `POST /api/auth/app-passwords`. */
export type CreateAppPasswordRequest = v.InferOutput<typeof CreateAppPasswordRequestSchema>;

/** An app password as its owner sees it in the list (never the secret). */
export const AppPasswordInfoSchema = v.object({
  appPasswordId: RecordIdSchema,
  name: v.string(),
  spaceId: v.nullable(SpaceIdSchema),
  access: AppPasswordAccessSchema,
  createdAt: v.number(),
  lastUsedAt: v.nullable(v.number()),
});
/** An app password as its owner sees it. */
export type AppPasswordInfo = v.InferOutput<typeof AppPasswordInfoSchema>;

/** Response of `GET /api/auth/app-passwords`, newest first. */
export const AppPasswordListResponseSchema = v.object({ appPasswords: v.array(AppPasswordInfoSchema) });
/** Response of `GET /api/auth/app-passwords`. */
export type AppPasswordListResponse = v.InferOutput<typeof AppPasswordListResponseSchema>;

/** Response of creating an app password: the only time `password` is ever shown. */
export const CreateAppPasswordResponseSchema = v.object({
  appPassword: AppPasswordInfoSchema,
  password: v.string(),
  username: v.string(),
});
/** Response of `POST /api/auth/app-passwords`. */
export type CreateAppPasswordResponse = v.InferOutput<typeof CreateAppPasswordResponseSchema>;
