import * as v from 'valibot';

/**
 * What a notice tells its person (rules L26–L29 in docs/spec/locks.md):
 * - `asked`: someone asks the holder to release (with their message);
 * - `answered`: the holder answered an ask ("5 more minutes");
 * - `free`: a lock the person asked to be told about was released, broken or ran out;
 * - `granted`: the lock is now theirs (their turn in line, or handed over to them);
 * - `taken`: their stale checkout was taken by someone whose ask went unanswered (L31).
 */
export const NOTICE_KIND = {
  ASKED: 'asked',
  ANSWERED: 'answered',
  FREE: 'free',
  GRANTED: 'granted',
  TAKEN: 'taken',
} as const;
/** One of {@link NOTICE_KIND}. */
export type NoticeKind = (typeof NOTICE_KIND)[keyof typeof NOTICE_KIND];
/** The notice kinds as a schema. */
export const NoticeKindSchema = v.picklist(Object.values(NOTICE_KIND));

/** The longest message a person can attach to an ask. */
export const ASK_MESSAGE_MAX = 200;
/** The longest "more time" a holder can answer with, in minutes. */
export const ANSWER_MINUTES_MAX = 240;

/**
 * One notice for one person, kept by the space until read (so a device that was offline sees
 * what it missed, L29). `seq` grows per space; `from` and `title` are names for people, never ids.
 */
export const NoticeSchema = v.object({
  seq: v.number(),
  at: v.number(),
  kind: NoticeKindSchema,
  /** The lock (an item id or a path). */
  lock: v.string(),
  /** The item's title when the lock names an item, else the lock name. */
  title: v.string(),
  /** Who caused it (the asker, the holder who answered or released); null when time did. */
  from: v.nullable(v.string()),
  message: v.string(),
  /** For `asked`: the asker's user id, so the holder can answer or hand over to them. */
  askerId: v.optional(v.string()),
  /** For `granted`: the request id of the grant, so the person's device can take it up (L9). */
  requestId: v.optional(v.string()),
  /** For `granted`: its fencing token. */
  token: v.optional(v.number()),
});
/** A notice. */
export type Notice = v.InferOutput<typeof NoticeSchema>;

/** Server→client on the space's WebSocket, only to the sockets of the person concerned. */
export const NoticeMessageSchema = v.object({ type: v.literal('notice'), notice: NoticeSchema });
/** A live notice. */
export type NoticeMessage = v.InferOutput<typeof NoticeMessageSchema>;

/** `GET /api/spaces/:spaceId/notices?after=N`: the caller's notices after `after`, oldest first. */
export const NoticeListResponseSchema = v.object({
  notices: v.array(NoticeSchema),
  /** The space's latest notice number: a device with nothing stored starts from here. */
  head: v.number(),
  /** Whether this person wants system notifications (and Web Push) from this space (L29). */
  enabled: v.boolean(),
});
/** Body of the notice list. */
export type NoticeListResponse = v.InferOutput<typeof NoticeListResponseSchema>;

/** `PUT /api/spaces/:spaceId/notices/settings` */
export const NoticeSettingsSchema = v.strictObject({ enabled: v.boolean() });
/** Body of the notice settings. */
export type NoticeSettings = v.InferOutput<typeof NoticeSettingsSchema>;

/** `POST …/locks/:name/ask`: ask the holder to release, with an optional message (L26). */
export const AskRequestSchema = v.strictObject({
  message: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(ASK_MESSAGE_MAX))),
});
/** Body of an ask. */
export type AskRequest = v.InferOutput<typeof AskRequestSchema>;

/** The answer to an ask: whom the holder was told about. */
export const AskResponseSchema = v.object({
  status: v.literal('asked'),
  holder: v.object({ userId: v.string(), username: v.string() }),
});
/** Body of an ask answer. */
export type AskResponse = v.InferOutput<typeof AskResponseSchema>;

/** `POST …/locks/:name/answer`: the holder asks `to` for `minutes` more (L26). */
export const AnswerRequestSchema = v.strictObject({
  token: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  to: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  minutes: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(ANSWER_MINUTES_MAX)),
});
/** Body of an answer. */
export type AnswerRequest = v.InferOutput<typeof AnswerRequestSchema>;

/** `POST …/locks/:name/hand-over`: the holder gives the lock to `to`, who asked for it (L27). */
export const HandOverRequestSchema = v.strictObject({
  token: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  to: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** A check-in comment, kept in the lock's history (L30). */
  comment: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500))),
});
/** Body of a hand-over. */
export type HandOverRequest = v.InferOutput<typeof HandOverRequestSchema>;

/** The answer to a hand-over: the new holder's token. */
export const HandOverResponseSchema = v.object({ status: v.literal('handed_over'), token: v.number() });
/** Body of a hand-over answer. */
export type HandOverResponse = v.InferOutput<typeof HandOverResponseSchema>;

/** The longest stale rule, in days (L31). */
export const STALE_DAYS_MAX = 365;
/** A space's rule for stale checkouts when its owner set none (L31). */
export const STALE_DAYS_DEFAULT = 7;
/** How long an ask must go unanswered before its asker may take a stale checkout (L31). */
export const STALE_ASK_UNANSWERED_MS = 24 * 3600_000;

/** `PUT /api/spaces/:spaceId/locks-rules` (owners): after how many days without activity a checkout is stale (L31). */
export const LockRulesSchema = v.strictObject({
  staleAfterDays: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(STALE_DAYS_MAX)),
});
/** A space's lock rules. */
export type LockRules = v.InferOutput<typeof LockRulesSchema>;

/** `POST …/locks/:name/watch`: `notify: true` to be told once when it is free (L28), false to stop. */
export const WatchRequestSchema = v.strictObject({ notify: v.boolean() });
/** Body of a watch. */
export type WatchRequest = v.InferOutput<typeof WatchRequestSchema>;

/** The answer to a watch. */
export const WatchResponseSchema = v.object({ status: v.picklist(['watching', 'not_watching', 'free']) });
/** Body of a watch answer. */
export type WatchResponse = v.InferOutput<typeof WatchResponseSchema>;

const base64url = (bytes: number) =>
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.length(Math.ceil((bytes * 4) / 3)));

/**
 * `POST /api/spaces/:spaceId/push-subscriptions`: a browser's PushSubscription (RFC 8030 endpoint,
 * RFC 8291 keys: the P-256 public key, 65 bytes, and the 16-byte auth secret, base64url).
 */
export const PushSubscriptionSchema = v.strictObject({
  endpoint: v.pipe(v.string(), v.url(), v.maxLength(1000)),
  expirationTime: v.optional(v.nullable(v.number())),
  keys: v.strictObject({ p256dh: base64url(65), auth: base64url(16) }),
});
/** A push subscription. */
export type PushSubscriptionInput = v.InferOutput<typeof PushSubscriptionSchema>;

/** `DELETE /api/spaces/:spaceId/push-subscriptions` */
export const PushUnsubscribeSchema = v.strictObject({ endpoint: v.pipe(v.string(), v.maxLength(1000)) });

/** `GET /api/push/key`: the server's VAPID public key (uncompressed P-256 point, base64url). */
export const VapidKeyResponseSchema = v.object({ publicKey: v.string() });

/**
 * What a Web Push message carries (encrypted, RFC 8291): the notice, and what the service worker
 * shows: a title and body naming people and items, and the page the notification opens.
 */
export const PushPayloadSchema = v.object({
  title: v.string(),
  body: v.string(),
  url: v.string(),
  tag: v.string(),
  notice: NoticeSchema,
});
/** A Web Push payload. */
export type PushPayload = v.InferOutput<typeof PushPayloadSchema>;
