import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import {
  HISTORY_PAGE_MAX,
  HistoryQuerySchema,
  NameVersionRequestSchema,
  RestoreRequestSchema,
} from '#shared/history/protocol';
import { UndeleteRequestSchema } from '#shared/history/deleted';
import { RetentionSchema } from '#shared/history/retention';
import { RewindRequestSchema } from '#shared/history/rewind';
import { ActivityQuerySchema } from '#shared/history/activity';
import { StampSchema } from '#shared/sync/hlc';
import { ItemIdSchema } from '#shared/sync/item';
import { unwrap } from '../http/api-error';
import { requireSpaceRole, type SpaceVariables } from '../auth/require-space-role';
import { spaceStub } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { parseWith, readJson } from '../http/validate';
import { NO_SUCH_ITEM } from '../space/history-restore';

type HistoryEnv = { Bindings: Env; Variables: SpaceVariables };
type HistoryContext = Context<HistoryEnv>;

const BASE = '/spaces/:spaceId/items/:itemId/history';
const NO_STORE = { 'cache-control': 'no-store' };
const JSON_NO_STORE = { 'content-type': 'application/json; charset=utf-8', ...NO_STORE };
const HISTORY_PAGE_DEFAULT = 20;
/** How long the Deleted tab lists a deletion (the app's trash keeps items as long). */
const DELETED_KEEP_MS = 30 * 24 * 3_600_000;
const DELETED_PAGE = 1_000;

function stubOf(c: HistoryContext) {
  return spaceStub(c.env, c.var.member.spaceId);
}

/** The route's item id; one that cannot exist is "not found", like one that does not (V9). */
function itemIdOf(c: HistoryContext): string {
  const id = c.req.param('itemId');
  if (!id || !v.is(ItemIdSchema, id)) throw new ApiError('NOT_FOUND', NO_SUCH_ITEM);
  return id;
}

function stampOf(c: HistoryContext): string {
  return parseWith(StampSchema, c.req.param('stamp'), 'version stamp');
}

/** History routes: `…/items/:itemId/history` and `…/deleted` under `/api/spaces/:spaceId` (docs/api.md#history). */
export const historyRoutes = new Hono<HistoryEnv>()
  // Everyone in the space reads an item's history (V1–V3).
  .get(BASE, requireSpaceRole('viewer'), async (c) => {
    const itemId = itemIdOf(c);
    const query = parseWith(HistoryQuerySchema, c.req.query(), 'query');
    const limit = Math.min(query.limit ?? HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX);
    const text = await stubOf(c).historyPage(itemId, query.before ?? null, limit);
    if (text === null) throw new ApiError('NOT_FOUND', NO_SUCH_ITEM);
    return c.body(text, 200, JSON_NO_STORE);
  })
  // Editors restore a version, a field or a passage, or undo an edit (V5–V7).
  .post(`${BASE}/restore`, requireSpaceRole('editor'), async (c) => {
    const itemId = itemIdOf(c);
    const request = await readJson(c, RestoreRequestSchema);
    const result = await stubOf(c).historyRestore(itemId, request, c.var.member.userId);
    return c.json(unwrap(result), 200, NO_STORE);
  })
  // Editors name a version to keep it forever, and take names away (V8).
  .put(`${BASE}/:stamp/name`, requireSpaceRole('editor'), async (c) => {
    const itemId = itemIdOf(c);
    const stamp = stampOf(c);
    const { name } = await readJson(c, NameVersionRequestSchema);
    const result = await stubOf(c).historyName(itemId, stamp, name, c.var.member.userId);
    return c.json(unwrap(result), 200, NO_STORE);
  })
  .delete(`${BASE}/:stamp/name`, requireSpaceRole('editor'), async (c) => {
    const itemId = itemIdOf(c);
    const stamp = stampOf(c);
    const result = await stubOf(c).historyName(itemId, stamp, null, c.var.member.userId);
    return c.json(unwrap(result), 200, NO_STORE);
  })
  // Everyone in the space sees what was deleted in the last 30 days (V11).
  .get('/spaces/:spaceId/deleted', requireSpaceRole('viewer'), async (c) => {
    const text = await stubOf(c).deletedList(Date.now() - DELETED_KEEP_MS, DELETED_PAGE);
    return c.body(text, 200, JSON_NO_STORE);
  })
  // Everyone sees how much history takes; owners set a shorter window (V14).
  .get('/spaces/:spaceId/history-settings', requireSpaceRole('viewer'), async (c) => {
    return c.json(await stubOf(c).historySettings(), 200, NO_STORE);
  })
  .put('/spaces/:spaceId/history-settings', requireSpaceRole('owner'), async (c) => {
    const retention = await readJson(c, RetentionSchema);
    return c.json(await stubOf(c).setHistorySettings(retention), 200, NO_STORE);
  })
  // Everyone in the space sees when it was edited, to find a moment to rewind to (V23).
  .get('/spaces/:spaceId/activity', requireSpaceRole('viewer'), async (c) => {
    const { days } = parseWith(ActivityQuerySchema, c.req.query(), 'query');
    return c.json(await stubOf(c).historyActivity(days ?? 30), 200, NO_STORE);
  })
  // Owners rewind the space or a folder to a moment: first a preview, then as edits (V16–V18).
  .post('/spaces/:spaceId/rewind/preview', requireSpaceRole('owner'), async (c) => {
    const request = await readJson(c, RewindRequestSchema);
    return c.json(unwrap(await stubOf(c).rewindSpace(request, c.var.member.userId, false)), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/rewind', requireSpaceRole('owner'), async (c) => {
    const request = await readJson(c, RewindRequestSchema);
    return c.json(unwrap(await stubOf(c).rewindSpace(request, c.var.member.userId, true)), 200, NO_STORE);
  })
  // Owners follow and cancel a background rewind (V20).
  .get('/spaces/:spaceId/rewind/job', requireSpaceRole('owner'), async (c) => {
    return c.json({ job: await stubOf(c).rewindJob() }, 200, NO_STORE);
  })
  .delete('/spaces/:spaceId/rewind/job', requireSpaceRole('owner'), async (c) => {
    return c.json({ job: await stubOf(c).cancelRewind() }, 200, NO_STORE);
  })
  // Editors bring items back, in their folders (V12).
  .post('/spaces/:spaceId/deleted/restore', requireSpaceRole('editor'), async (c) => {
    const { itemIds } = await readJson(c, UndeleteRequestSchema);
    return c.json(await stubOf(c).deletedRestore(itemIds, c.var.member.userId), 200, NO_STORE);
  });
