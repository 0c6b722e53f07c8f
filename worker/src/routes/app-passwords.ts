import { Hono } from 'hono';
import * as v from 'valibot';
import {
  CreateAppPasswordRequestSchema,
  type AppPasswordListResponse,
  type CreateAppPasswordResponse,
} from '#shared/accounts/app-passwords';
import { RecordIdSchema } from '#shared/accounts/ids';
import { unwrap } from '../http/api-error';
import { makeAppPassword } from '../auth/app-password';
import { requireSession } from '../auth/require-session';
import { SPACE_NOT_FOUND_MESSAGE } from '../space/membership';
import { spaceStub, userRecord } from '../objects/stubs';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';
import { readJson } from '../http/validate';

/**
 * A signed-in user's app passwords (rules P1–P7, docs/spec/accounts.md): create (the secret is
 * answered once), list, revoke. Managed only with the session, never with an app password.
 */
export const appPasswordRoutes = new Hono<AppEnv>()
  .get('/auth/app-passwords', requireSession, async (c) => {
    const body: AppPasswordListResponse = {
      appPasswords: await userRecord(c.env, c.var.session.userId).listAppPasswords(),
    };
    return c.json(body, 200, { 'cache-control': 'no-store' });
  })
  .post('/auth/app-passwords', requireSession, async (c) => {
    const input = await readJson(c, CreateAppPasswordRequestSchema);
    const { userId, username } = c.var.session;
    if (input.spaceId !== null && !(await spaceStub(c.env, input.spaceId).spaceAccess(userId))) {
      throw new ApiError('NOT_FOUND', SPACE_NOT_FOUND_MESSAGE);
    }
    const { password, tokenHash } = await makeAppPassword(userId);
    const appPassword = unwrap(await userRecord(c.env, userId).createAppPassword(input, tokenHash));
    const body: CreateAppPasswordResponse = { appPassword, password, username };
    return c.json(body, 201, { 'cache-control': 'no-store' });
  })
  .delete('/auth/app-passwords/:appPasswordId', requireSession, async (c) => {
    const id = c.req.param('appPasswordId');
    if (!v.is(RecordIdSchema, id) || !(await userRecord(c.env, c.var.session.userId).revokeAppPassword(id))) {
      throw new ApiError('NOT_FOUND', 'You have no such app password.');
    }
    return c.body(null, 204);
  });
