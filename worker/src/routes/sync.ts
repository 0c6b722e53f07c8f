import { Hono } from 'hono';
import {
  batchProblem,
  PULL_PAGE_DEFAULT,
  PullQuerySchema,
  PushRequestSchema,
  type PushResponse,
} from '#shared/sync/protocol';
import { requireSpaceRole, type SpaceVariables } from '../auth/require-space-role';
import { spaceStub } from '../objects/stubs';
import { maxPushBytes } from '../config';
import type { Env } from '../env';
import type { Mutation } from '#shared/sync/mutation';
import { ApiError } from '../http/api-error';
import { parseWith, readJson } from '../http/validate';

type SyncEnv = { Bindings: Env; Variables: SpaceVariables };

const BASE = '/spaces/:spaceId/sync';
const JSON_NO_STORE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** Sync routes under `/api/spaces/:spaceId/sync` (docs/api.md#sync, docs/spec/sync.md). */
export const syncRoutes = new Hono<SyncEnv>()
  // Editors push: a batch of the outbox, all or nothing (S2, S3, S9).
  .post(`${BASE}/push`, requireSpaceRole('editor'), async (c) => {
    const request = await readJson(c, PushRequestSchema, maxPushBytes(c.env));
    const now = Date.now();
    const problem = batchProblem(request, now);
    if (problem) throw new ApiError(problem.code, problem.message, { details: { serverTime: now } });
    // The RPC stub's inferred type of JSON-valued items is too deep for tsc; they are plain JSON.
    const stub = spaceStub(c.env, c.var.member.spaceId) as unknown as {
      syncPush(mutations: Mutation[], userId: string): Promise<PushResponse>;
    };
    const response = await stub.syncPush(request.mutations, c.var.member.userId);
    return c.json(response, 200, { 'cache-control': 'no-store' });
  })
  // Everyone in the space pulls: a page of changes after a sequence number (S10).
  .get(`${BASE}/pull`, requireSpaceRole('viewer'), async (c) => {
    const query = parseWith(PullQuerySchema, c.req.query(), 'query');
    const text = await spaceStub(c.env, c.var.member.spaceId).syncPull(
      query.after,
      query.limit ?? PULL_PAGE_DEFAULT,
    );
    return c.body(text, 200, JSON_NO_STORE);
  });
