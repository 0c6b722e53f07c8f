import { Hono } from 'hono';
import * as v from 'valibot';
import {
  NoticeSettingsSchema,
  PushSubscriptionSchema,
  PushUnsubscribeSchema,
  type NoticeListResponse,
} from '#shared/notices/schemas';
import { requireSession } from '../auth/require-session';
import { requireSpaceRole } from '../auth/require-space-role';
import { directory, spaceStub } from '../objects/stubs';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';
import { parseWith, readJson } from '../http/validate';

const NO_STORE = { 'cache-control': 'no-store' };

const NoticeQuerySchema = v.strictObject({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)), '0'),
});

/** A person's notices in a space, their choice of notifications, and their devices' Web Push subscriptions (L26–L29). */
export const noticeRoutes = new Hono<AppEnv>()
  .get('/push/key', requireSession, async (c) => {
    const { publicKey } = await directory(c.env).vapidKeys();
    return c.json({ publicKey }, 200, NO_STORE);
  })
  .get('/spaces/:spaceId/notices', requireSpaceRole('viewer'), async (c) => {
    const { after } = parseWith(NoticeQuerySchema, c.req.query(), 'query');
    const { spaceId, userId } = c.var.member;
    const body: NoticeListResponse = await spaceStub(c.env, spaceId).notices(userId, after);
    return c.json(body, 200, NO_STORE);
  })
  .put('/spaces/:spaceId/notices/settings', requireSpaceRole('viewer'), async (c) => {
    const { enabled } = await readJson(c, NoticeSettingsSchema);
    const { spaceId, userId } = c.var.member;
    await spaceStub(c.env, spaceId).setNoticesEnabled(userId, enabled);
    return c.json({ enabled }, 200, NO_STORE);
  })
  .post('/spaces/:spaceId/push-subscriptions', requireSpaceRole('viewer'), async (c) => {
    const sub = await readJson(c, PushSubscriptionSchema);
    const { spaceId, userId } = c.var.member;
    if (!(await spaceStub(c.env, spaceId).addPushSubscription(userId, sub))) {
      throw new ApiError('VALIDATION_FAILED', 'The push endpoint must be an https URL of a push service.');
    }
    return c.json({ status: 'subscribed' }, 201, NO_STORE);
  })
  .delete('/spaces/:spaceId/push-subscriptions', requireSpaceRole('viewer'), async (c) => {
    const { endpoint } = await readJson(c, PushUnsubscribeSchema);
    const { spaceId, userId } = c.var.member;
    await spaceStub(c.env, spaceId).removePushSubscription(userId, endpoint);
    return c.json({ status: 'unsubscribed' }, 200, NO_STORE);
  });
