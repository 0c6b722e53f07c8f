import * as v from 'valibot';
import { SpaceIdSchema, UserIdSchema } from './ids';
import { RoleSchema } from './roles';

/** Longest space name, in characters. */
export const SPACE_NAME_MAX = 80;

/** A space name: trimmed, 1–80 characters, no control characters. */
export const SpaceNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'A space needs a name.'),
  v.maxLength(SPACE_NAME_MAX, `A space name has at most ${SPACE_NAME_MAX} characters.`),
  v.regex(/^[^\p{Cc}]*$/u, 'A space name cannot contain control characters.'),
);

/** A space as its member sees it. */
export const SpaceSchema = v.object({
  spaceId: SpaceIdSchema,
  name: v.string(),
  role: RoleSchema,
  createdAt: v.number(),
});
/** A space as its member sees it. */
export type Space = v.InferOutput<typeof SpaceSchema>;

/** `POST /api/spaces` */
export const CreateSpaceRequestSchema = v.strictObject({ name: SpaceNameSchema });
/** Body of `POST /api/spaces`. */
export type CreateSpaceRequest = v.InferOutput<typeof CreateSpaceRequestSchema>;

/** `PATCH /api/spaces/:spaceId` */
export const RenameSpaceRequestSchema = v.strictObject({ name: SpaceNameSchema });
/** Body of `PATCH /api/spaces/:spaceId`. */
export type RenameSpaceRequest = v.InferOutput<typeof RenameSpaceRequestSchema>;

/** Response of create, get and rename of a space. */
export const SpaceResponseSchema = v.object({ space: SpaceSchema });
/** Response of create, get and rename of a space. */
export type SpaceResponse = v.InferOutput<typeof SpaceResponseSchema>;

/** Response of `GET /api/spaces`: the caller's spaces, by name. */
export const SpaceListResponseSchema = v.object({ spaces: v.array(SpaceSchema) });
/** Response of `GET /api/spaces`. */
export type SpaceListResponse = v.InferOutput<typeof SpaceListResponseSchema>;

/** A member of a space. */
export const MemberSchema = v.object({
  userId: UserIdSchema,
  username: v.string(),
  role: RoleSchema,
  joinedAt: v.number(),
});
/** A member of a space. */
export type Member = v.InferOutput<typeof MemberSchema>;

/** Response of `GET /api/spaces/:spaceId/members`. */
export const MemberListResponseSchema = v.object({ members: v.array(MemberSchema) });
/** Response of `GET /api/spaces/:spaceId/members`. */
export type MemberListResponse = v.InferOutput<typeof MemberListResponseSchema>;

/** `PATCH /api/spaces/:spaceId/members/:userId` */
export const ChangeRoleRequestSchema = v.strictObject({ role: RoleSchema });
/** Body of `PATCH /api/spaces/:spaceId/members/:userId`. */
export type ChangeRoleRequest = v.InferOutput<typeof ChangeRoleRequestSchema>;

/** Response of a role change. */
export const MemberResponseSchema = v.object({ member: MemberSchema });
/** Response of a role change. */
export type MemberResponse = v.InferOutput<typeof MemberResponseSchema>;
