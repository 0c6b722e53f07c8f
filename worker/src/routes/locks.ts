import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { compareSpaceLockHistory, lockHistoryToCsv, spaceLockHistoryToCsv } from '#shared/locks/csv';
import { decodePathSegment, LockNameSchema } from '#shared/locks/name';
import {
  AcquireRequestSchema,
  BreakRequestSchema,
  CancelRequestSchema,
  ReleaseRequestSchema,
  RenewRequestSchema,
  type LockHistoryEntry,
  type LockListResponse,
  type SpaceLockHistoryEntry,
  type SpaceLockHistoryResponse,
} from '#shared/locks/schemas';
import {
  AnswerRequestSchema,
  AskRequestSchema,
  HandOverRequestSchema,
  LockRulesSchema,
  WatchRequestSchema,
} from '#shared/notices/schemas';
import { unwrap } from '../http/api-error';
import { requireSpaceRole, type SpaceVariables } from '../auth/require-space-role';
import { lockStub, spaceStub } from '../objects/stubs';
import type { AppEnv, Env } from '../env';
import { ApiError } from '../http/api-error';
import { parseWith, readJson } from '../http/validate';
import type { LockRef } from '../locks/lock-store';
import { withLockRef } from '../objects/lock-object';
import { upgradeRequest } from '../http/socket-peer';

const NO_STORE = { 'cache-control': 'no-store' };
const HISTORY_PAGE_MAX = 1_000;
const CSV_ROWS_MAX = 100_000;

type LockContext = Context<{ Bindings: Env; Variables: SpaceVariables }>;

/**
 * The `:name` segment as sent, decoded strictly (L16): the router's own decoding keeps malformed
 * escapes such as `%ZZ` literally, which would name a lock nobody meant.
 */
function rawLockName(c: LockContext): string {
  const segment = /\/locks\/([^/]*)/.exec(new URL(c.req.url).pathname)?.[1] ?? '';
  const name = decodePathSegment(segment);
  if (name === null) {
    throw new ApiError(
      'BAD_LOCK_NAME',
      'The lock name in the URL is not valid percent-encoded UTF-8 (encode it with encodeURIComponent).',
    );
  }
  return name;
}

/** The lock named by the route (`:name` is one URL-encoded segment: `designs%2Flogo.psd`), validated. */
function lockOf(c: LockContext): { ref: LockRef; stub: ReturnType<typeof lockStub> } {
  const name = parseWith(LockNameSchema, rawLockName(c), 'lock name');
  const ref = { spaceId: c.var.member.spaceId, name };
  return { ref, stub: lockStub(c.env, ref.spaceId, name) };
}

function ownerOf(c: LockContext): { userId: string; username: string } {
  return { userId: c.var.member.userId, username: c.var.member.username };
}

const HistoryQuerySchema = v.object({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)), '0'),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(HISTORY_PAGE_MAX),
    ),
    String(HISTORY_PAGE_MAX),
  ),
  format: v.optional(v.picklist(['json', 'csv']), 'json'),
});

async function allHistory(c: LockContext): Promise<LockHistoryEntry[]> {
  const { ref, stub } = lockOf(c);
  const entries: LockHistoryEntry[] = [];
  let after = 0;
  while (entries.length < CSV_ROWS_MAX) {
    const page = await stub.history(ref, after, HISTORY_PAGE_MAX);
    entries.push(...page.entries);
    if (page.next === null) break;
    after = page.next;
  }
  return entries;
}

const SPACE_HISTORY_PER_LOCK_MAX = 1_000;
/** Lock objects asked at once for the space history. */
const SPACE_HISTORY_FANOUT = 32;

const SpaceHistoryQuerySchema = v.strictObject({
  perLock: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(SPACE_HISTORY_PER_LOCK_MAX),
    ),
    String(SPACE_HISTORY_PER_LOCK_MAX),
  ),
  format: v.optional(v.picklist(['json', 'csv']), 'json'),
});

/**
 * The latest `perLock` entries of every lock of the space (names from the fence, which has a row
 * for every lock ever granted), merged by time, then lock name, then sequence.
 */
async function spaceHistory(c: LockContext, perLock: number): Promise<SpaceLockHistoryResponse> {
  const spaceId = c.var.member.spaceId;
  const names = await spaceStub(c.env, spaceId).lockNames();
  const entries: SpaceLockHistoryEntry[] = [];
  const truncated: string[] = [];
  for (let i = 0; i < names.length; i += SPACE_HISTORY_FANOUT) {
    const batch = names.slice(i, i + SPACE_HISTORY_FANOUT);
    const pages = await Promise.all(
      batch.map((name) =>
        lockStub(c.env, spaceId, name).latestHistory(
          { spaceId, name },
          // One more than asked tells whether older entries were left out.
          perLock + 1,
        ),
      ),
    );
    pages.forEach((page, index) => {
      const name = batch[index] ?? '';
      if (page.length > perLock) truncated.push(name);
      for (const entry of page.slice(-perLock)) entries.push({ ...entry, lock: name });
    });
  }
  return { entries: entries.sort(compareSpaceLockHistory), perLock, truncated };
}

/** Locks of a space (docs/api.md#locks; rules in docs/spec/locks.md): viewers read, editors lock, owners break. */
export const lockRoutes = new Hono<AppEnv>()
  .get('/spaces/:spaceId/locks', requireSpaceRole('viewer'), async (c) => {
    const space = spaceStub(c.env, c.var.member.spaceId);
    const [locks, staleAfterDays] = await Promise.all([space.listLocks(), space.staleAfterDays()]);
    const body: LockListResponse = { locks, staleAfterDays };
    return c.json(body, 200, NO_STORE);
  })
  .get('/spaces/:spaceId/locks-history', requireSpaceRole('viewer'), async (c) => {
    const query = parseWith(SpaceHistoryQuerySchema, c.req.query(), 'query');
    const history = await spaceHistory(c, query.perLock);
    if (query.format === 'csv') {
      return c.body(spaceLockHistoryToCsv(history.entries), 200, {
        ...NO_STORE,
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="lock-history.csv"',
      });
    }
    return c.json(history, 200, NO_STORE);
  })
  .get('/spaces/:spaceId/locks/:name', requireSpaceRole('viewer'), async (c) => {
    const { ref, stub } = lockOf(c);
    return c.json(await stub.get(ref), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/acquire', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const body = await readJson(c, AcquireRequestSchema);
    return c.json(await stub.acquire(ref, ownerOf(c), body), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/renew', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const body = await readJson(c, RenewRequestSchema);
    return c.json(unwrap(await stub.renew(ref, ownerOf(c), body)), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/release', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const { token, comment } = await readJson(c, ReleaseRequestSchema);
    return c.json(unwrap(await stub.release(ref, ownerOf(c), token, comment)), 200, NO_STORE);
  })
  // People around a check-out (L26–L28): ask the holder, answer, hand over, be told when free.
  .post('/spaces/:spaceId/locks/:name/ask', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const { message } = await readJson(c, AskRequestSchema);
    return c.json(unwrap(await stub.ask(ref, ownerOf(c), message ?? '')), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/answer', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const body = await readJson(c, AnswerRequestSchema);
    return c.json(unwrap(await stub.answer(ref, ownerOf(c), body)), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/hand-over', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const body = await readJson(c, HandOverRequestSchema);
    return c.json(unwrap(await stub.handOver(ref, ownerOf(c), body)), 200, NO_STORE);
  })
  .put('/spaces/:spaceId/locks-rules', requireSpaceRole('owner'), async (c) => {
    const { staleAfterDays } = await readJson(c, LockRulesSchema);
    await spaceStub(c.env, c.var.member.spaceId).setStaleAfterDays(staleAfterDays);
    return c.json({ staleAfterDays }, 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/take-stale', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    await readJson(c, v.strictObject({}));
    const facts = await spaceStub(c.env, ref.spaceId).staleFacts(ref.name);
    return c.json(unwrap(await stub.takeStale(ref, ownerOf(c), facts)), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/watch', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const { notify } = await readJson(c, WatchRequestSchema);
    return c.json(await stub.watch(ref, ownerOf(c), notify), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/cancel', requireSpaceRole('editor'), async (c) => {
    const { ref, stub } = lockOf(c);
    const { requestId } = await readJson(c, CancelRequestSchema);
    return c.json(await stub.cancel(ref, ownerOf(c), requestId), 200, NO_STORE);
  })
  .post('/spaces/:spaceId/locks/:name/break', requireSpaceRole('owner'), async (c) => {
    const { ref, stub } = lockOf(c);
    const body = await readJson(c, BreakRequestSchema);
    return c.json(unwrap(await stub.breakLock(ref, ownerOf(c), body)), 200, NO_STORE);
  })
  .get('/spaces/:spaceId/locks/:name/history', requireSpaceRole('viewer'), async (c) => {
    const query = parseWith(HistoryQuerySchema, c.req.query(), 'query');
    const { ref, stub } = lockOf(c);
    if (query.format === 'csv') {
      const filename = `lock-history-${ref.name.replaceAll(/[^A-Za-z0-9._-]/g, '_')}.csv`;
      return c.body(lockHistoryToCsv(await allHistory(c)), 200, {
        ...NO_STORE,
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${filename}"`,
      });
    }
    return c.json(await stub.history(ref, query.after, query.limit), 200, NO_STORE);
  })
  .get('/spaces/:spaceId/locks/:name/socket', requireSpaceRole('viewer'), (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(
        'BAD_REQUEST',
        'This URL is a WebSocket; connect with an Upgrade: websocket request.',
      );
    }
    const { ref, stub } = lockOf(c);
    const { userId, username, role } = c.var.member;
    return stub.fetch(
      withLockRef(
        upgradeRequest(c.req.url, { userId, username, role, sessionId: c.var.session.sessionId }),
        ref,
      ),
    );
  });
