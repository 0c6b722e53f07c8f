import * as v from 'valibot';
import { RecordIdSchema, SpaceIdSchema } from './ids';
import { RoleSchema } from './roles';

/** Longest a share link may stay valid: one year. */
export const LINK_MAX_TTL_MS = 365 * 24 * 60 * 60 * 1000;
/** Most uses a share link may allow. */
export const LINK_MAX_USES = 10_000;

/** `POST /api/spaces/:spaceId/links`: a link granting `role`, optionally expiring and limited in uses. */
export const CreateLinkRequestSchema = v.strictObject({
  role: RoleSchema,
  expiresInMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60_000), v.maxValue(LINK_MAX_TTL_MS))),
  maxUses: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LINK_MAX_USES))),
});
/** Body of `POST /api/spaces/:spaceId/links`. */
export type CreateLinkRequest = v.InferOutput<typeof CreateLinkRequestSchema>;

/** What a share link is now: usable, or why not. */
export const LinkStateSchema = v.picklist(['active', 'expired', 'used_up', 'revoked']);
/** What a share link is now. */
export type LinkState = v.InferOutput<typeof LinkStateSchema>;

/** A share link as its space's owners see it (never its token). */
export const LinkSchema = v.object({
  linkId: RecordIdSchema,
  role: RoleSchema,
  createdAt: v.number(),
  createdBy: v.string(),
  expiresAt: v.nullable(v.number()),
  maxUses: v.nullable(v.number()),
  uses: v.number(),
  revokedAt: v.nullable(v.number()),
  state: LinkStateSchema,
});
/** A share link as its space's owners see it. */
export type Link = v.InferOutput<typeof LinkSchema>;

/** Response of creating a link: the only time its token is seen. `path` is `/join/<token>`. */
export const CreateLinkResponseSchema = v.object({ link: LinkSchema, token: v.string(), path: v.string() });
/** Response of creating a link. */
export type CreateLinkResponse = v.InferOutput<typeof CreateLinkResponseSchema>;

/** Response of `GET /api/spaces/:spaceId/links`. */
export const LinkListResponseSchema = v.object({ links: v.array(LinkSchema) });
/** Response of `GET /api/spaces/:spaceId/links`. */
export type LinkListResponse = v.InferOutput<typeof LinkListResponseSchema>;

/**
 * A share-link token as it appears in `/join/<token>`: the space id, a dot, and 32 random
 * url-safe characters (>= 128 bits).
 */
export const LinkTokenSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{32,64}$/, 'This link is not valid.'),
);

/** Response of `GET /api/join/:token` (what the link offers) and `POST /api/join/:token` (joined). */
export const JoinResponseSchema = v.object({
  spaceId: SpaceIdSchema,
  spaceName: v.string(),
  role: RoleSchema,
});
/** Response of the join routes. */
export type JoinResponse = v.InferOutput<typeof JoinResponseSchema>;
