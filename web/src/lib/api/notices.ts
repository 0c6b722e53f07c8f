import * as v from 'valibot';
import { ReleaseResponseSchema } from '#shared/locks/schemas';
import {
  AskResponseSchema,
  HandOverResponseSchema,
  NoticeListResponseSchema,
  VapidKeyResponseSchema,
  WatchResponseSchema,
  type AskResponse,
  type NoticeListResponse,
  type WatchResponse,
} from '#shared/notices/schemas';
import { apiFetch } from './http';

// The people around a check-out (docs/spec/locks.md L26–L30) and the person's notices (L29).

const lockPath = (spaceId: string, name: string, action: string) =>
  `/api/spaces/${encodeURIComponent(spaceId)}/locks/${encodeURIComponent(name)}/${action}`;

/** Asks the holder of `name` to release it, with an optional message (L26). */
export function askToRelease(spaceId: string, name: string, message: string): Promise<AskResponse> {
  const trimmed = message.trim();
  return apiFetch(lockPath(spaceId, name, 'ask'), AskResponseSchema, {
    body: trimmed ? { message: trimmed } : {},
  });
}

/** The holder answers an ask of `to` with "`minutes` more minutes" (L26). */
export async function answerAsk(
  spaceId: string,
  name: string,
  body: { token: number; to: string; minutes: number },
): Promise<void> {
  await apiFetch(lockPath(spaceId, name, 'answer'), v.object({ status: v.literal('answered') }), { body });
}

/** The holder hands `name` to `to`, who asked for it, with an optional check-in comment (L27, L30). */
export async function handOver(
  spaceId: string,
  name: string,
  body: { token: number; to: string; comment?: string },
): Promise<void> {
  await apiFetch(lockPath(spaceId, name, 'hand-over'), HandOverResponseSchema, { body });
}

/** Releases the caller's grant `token` with an optional check-in comment (L30). */
export async function releaseWithComment(
  spaceId: string,
  name: string,
  token: number,
  comment: string,
): Promise<void> {
  const trimmed = comment.trim();
  await apiFetch(lockPath(spaceId, name, 'release'), ReleaseResponseSchema, {
    body: trimmed ? { token, comment: trimmed } : { token },
  });
}

/** "Notify me" (true) or not (false) when `name` is free (L28). */
export function watchLock(spaceId: string, name: string, notify: boolean): Promise<WatchResponse> {
  return apiFetch(lockPath(spaceId, name, 'watch'), WatchResponseSchema, { body: { notify } });
}

/** The caller's notices in the space after `after` (L29). */
export function fetchNotices(spaceId: string, after: number): Promise<NoticeListResponse> {
  return apiFetch(
    `/api/spaces/${encodeURIComponent(spaceId)}/notices?after=${after}`,
    NoticeListResponseSchema,
  );
}

/** Turns system notifications and Web Push from the space on or off for the caller (L29). */
export async function setNoticesEnabled(spaceId: string, enabled: boolean): Promise<void> {
  await apiFetch(
    `/api/spaces/${encodeURIComponent(spaceId)}/notices/settings`,
    v.object({ enabled: v.boolean() }),
    { method: 'PUT', body: { enabled } },
  );
}

/** The server's VAPID public key, for `pushManager.subscribe`. */
export async function vapidPublicKey(): Promise<string> {
  return (await apiFetch('/api/push/key', VapidKeyResponseSchema)).publicKey;
}

/** Keeps this device's push subscription with the space (L29). */
export async function savePushSubscription(spaceId: string, subscription: unknown): Promise<void> {
  await apiFetch(`/api/spaces/${encodeURIComponent(spaceId)}/push-subscriptions`, v.unknown(), {
    body: subscription,
  });
}

/** Sets the space's stale rule (owners, L31). */
export async function setStaleRule(spaceId: string, staleAfterDays: number): Promise<void> {
  await apiFetch(
    `/api/spaces/${encodeURIComponent(spaceId)}/locks-rules`,
    v.object({ staleAfterDays: v.number() }),
    { method: 'PUT', body: { staleAfterDays } },
  );
}

/** Takes a stale checkout after an unanswered ask (L31). */
export async function takeStale(spaceId: string, name: string): Promise<void> {
  await apiFetch(lockPath(spaceId, name, 'take-stale'), HandOverResponseSchema, { body: {} });
}
