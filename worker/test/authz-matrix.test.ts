/**
 * The authorization matrix (docs/api.md, "Who may call what"): every API route × every kind of
 * caller gets the documented status, and no unauthorised answer carries space data.
 *
 * To cover a new route, append one row to ROWS: its `route` exactly as registered with Hono,
 * who may call it (`access`), the status an allowed caller gets, and, when needed, a valid body
 * and values for path parameters other than :spaceId, :userId, :linkId, :token and :sessionId.
 * A route that exists in the app but has no row fails the last test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { LinkListResponseSchema } from '#shared/accounts/links';
import { roleAtLeast, type Role } from '#shared/accounts/roles';
import { app } from '../src/app';
import { SPACE_NOT_FOUND_MESSAGE } from '../src/space/membership';
import { addMember, api, createLink, createSpace, signUp, TEST_PASSWORD } from './support/accounts';

/** Who calls. */
const CALLERS = ['anonymous', 'revoked', 'nonMember', 'removed', 'viewer', 'editor', 'owner'] as const;
type Caller = (typeof CALLERS)[number];

/** Who may call a route: anyone, any signed-in user, or members with at least this role. */
type Access = 'public' | 'session' | Role;

/** One space with one caller of each kind, made fresh for each row so rows cannot disturb each other. */
export interface Fixture {
  spaceId: string;
  spaceName: string;
  linkId: string;
  linkToken: string;
  /** A viewer that owner-only member routes act on. */
  target: { userId: string; username: string };
  cookies: Record<Exclude<Caller, 'anonymous'>, string>;
  usernames: string[];
}

interface Row {
  route: string;
  access: Access;
  /**
   * Status of an allowed caller; per caller where a domain rule answers (e.g. the last owner
   * leaving); or 'authorized': only that authorization let the caller through (any status but
   * 401, 403 and the not-a-member 404) — a placeholder until the route's owner pins the status.
   */
  ok: number | ({ default: number } & Partial<Record<Caller, number>>) | 'authorized';
  body?: (f: Fixture, caller: Caller) => unknown;
  params?: (f: Fixture) => Record<string, string>;
}

const FAKE_REGISTRATION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  clientExtensionResults: {},
};
const FAKE_ASSERTION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export const ROWS: Row[] = [
  { route: 'GET /api/health', access: 'public', ok: 200 },
  {
    route: 'POST /api/auth/sign-up',
    access: 'public',
    ok: 201,
    body: () => ({ username: `new-${unique()}`, password: TEST_PASSWORD }),
  },
  {
    route: 'POST /api/auth/sign-in',
    access: 'public',
    ok: 200,
    body: (f) => ({ username: f.usernames[0], password: TEST_PASSWORD }),
  },
  // Passkey ceremonies are public; signed in, register/options adds a passkey to the account. A
  // verify with a made-up challenge is a 400 for everyone (real ceremonies: accounts-passkeys.test.ts).
  {
    route: 'POST /api/auth/passkey/register/options',
    access: 'public',
    ok: 200,
    body: () => ({ username: `pk-${unique()}` }),
  },
  {
    route: 'POST /api/auth/passkey/register/verify',
    access: 'public',
    ok: 400,
    body: () => ({ challengeId: 'none', credential: FAKE_REGISTRATION }),
  },
  { route: 'POST /api/auth/passkey/login/options', access: 'public', ok: 200, body: () => ({}) },
  {
    route: 'POST /api/auth/passkey/login/verify',
    access: 'public',
    ok: 400,
    body: () => ({ challengeId: 'none', credential: FAKE_ASSERTION }),
  },
  { route: 'POST /api/auth/sign-out', access: 'session', ok: 204 },
  // Signed out it answers `{ user: null }` (a normal state of the app's first load, not an error).
  { route: 'GET /api/auth/me', access: 'public', ok: 200 },
  { route: 'GET /api/auth/sessions', access: 'session', ok: 200 },
  // Another user's (here: nobody's) session is "not found" for everyone.
  { route: 'DELETE /api/auth/sessions/:sessionId', access: 'session', ok: 404 },
  // App passwords (P1–P7): the session's own; another user's (here: nobody's) is "not found".
  { route: 'GET /api/auth/app-passwords', access: 'session', ok: 200 },
  {
    route: 'POST /api/auth/app-passwords',
    access: 'session',
    ok: 201,
    body: () => ({ name: 'rclone', spaceId: null, access: 'read' }),
  },
  {
    route: 'DELETE /api/auth/app-passwords/:appPasswordId',
    access: 'session',
    ok: 404,
    params: () => ({ appPasswordId: 'AAAAAAAAAAAAAAAAAAAAAA' }),
  },
  { route: 'GET /api/spaces', access: 'session', ok: 200 },
  { route: 'POST /api/spaces', access: 'session', ok: 201, body: () => ({ name: 'Another space' }) },
  { route: 'GET /api/join/:token', access: 'public', ok: 200 },
  { route: 'POST /api/join/:token', access: 'session', ok: 200 },
  { route: 'GET /api/spaces/:spaceId', access: 'viewer', ok: 200 },
  { route: 'PATCH /api/spaces/:spaceId', access: 'owner', ok: 200, body: () => ({ name: 'Renamed' }) },
  { route: 'DELETE /api/spaces/:spaceId', access: 'owner', ok: 204 },
  { route: 'GET /api/spaces/:spaceId/members', access: 'viewer', ok: 200 },
  {
    route: 'PATCH /api/spaces/:spaceId/members/:userId',
    access: 'owner',
    ok: 200,
    body: () => ({ role: 'editor' }),
  },
  { route: 'DELETE /api/spaces/:spaceId/members/:userId', access: 'owner', ok: 204 },
  { route: 'POST /api/spaces/:spaceId/leave', access: 'viewer', ok: { default: 204, owner: 409 } },
  { route: 'GET /api/spaces/:spaceId/links', access: 'owner', ok: 200 },
  { route: 'POST /api/spaces/:spaceId/links', access: 'owner', ok: 201, body: () => ({ role: 'viewer' }) },
  { route: 'DELETE /api/spaces/:spaceId/links/:linkId', access: 'owner', ok: 204 },
  // Locks (docs/spec/locks.md). `:name` is one URL-encoded segment; renew/release with a token
  // nobody holds and a break of a free lock are the allowed caller's 409 LOCK_NOT_HELD.
  { route: 'GET /api/spaces/:spaceId/locks', access: 'viewer', ok: 200 },
  {
    route: 'GET /api/spaces/:spaceId/locks/:name',
    access: 'viewer',
    ok: 200,
    params: () => ({ name: 'designs%2Flogo.psd' }),
  },
  {
    route: 'POST /api/spaces/:spaceId/locks/:name/acquire',
    access: 'editor',
    ok: 200,
    params: () => ({ name: 'designs%2Flogo.psd' }),
    body: () => ({ requestId: `req-${unique()}` }),
  },
  {
    route: 'POST /api/spaces/:spaceId/locks/:name/renew',
    access: 'editor',
    ok: 409,
    params: () => ({ name: 'free-lock' }),
    body: () => ({ token: 99 }),
  },
  {
    route: 'POST /api/spaces/:spaceId/locks/:name/release',
    access: 'editor',
    ok: 409,
    params: () => ({ name: 'free-lock' }),
    body: () => ({ token: 99 }),
  },
  {
    route: 'POST /api/spaces/:spaceId/locks/:name/cancel',
    access: 'editor',
    ok: 200,
    params: () => ({ name: 'free-lock' }),
    body: () => ({ requestId: `req-${unique()}` }),
  },
  {
    route: 'POST /api/spaces/:spaceId/locks/:name/break',
    access: 'owner',
    ok: 409,
    params: () => ({ name: 'free-lock' }),
    body: () => ({}),
  },
  {
    route: 'GET /api/spaces/:spaceId/locks/:name/history',
    access: 'viewer',
    ok: 200,
    params: () => ({ name: 'designs%2Flogo.psd' }),
  },
  { route: 'GET /api/spaces/:spaceId/locks-history', access: 'viewer', ok: 200 },
  // WebSocket upgrades: a plain GET from an allowed caller is a 400 (authorization runs first).
  {
    route: 'GET /api/spaces/:spaceId/locks/:name/socket',
    access: 'viewer',
    ok: 400,
    params: () => ({ name: 'designs%2Flogo.psd' }),
  },
  { route: 'GET /api/spaces/:spaceId/socket', access: 'viewer', ok: 400 },
  // Git LFS: an owner lets an object go (the /lfs front itself is proven in lfs*.test.ts).
  {
    route: 'DELETE /api/spaces/:spaceId/lfs/objects/:oid',
    access: 'owner',
    ok: 204,
    params: () => ({ oid: 'a'.repeat(64) }),
  },
  // Item history (docs/spec/history.md): the matrix item does not exist, so an allowed caller gets
  // the item's 404 (V9); what they get for a real item is proven in history.test.ts.
  ...(
    [
      ['GET /api/spaces/:spaceId/items/:itemId/history', 'viewer', undefined],
      [
        'POST /api/spaces/:spaceId/items/:itemId/history/restore',
        'editor',
        { what: 'version', stamp: '001764300000000-000000-node' },
      ],
      ['PUT /api/spaces/:spaceId/items/:itemId/history/:stamp/name', 'editor', { name: 'Sent' }],
      ['DELETE /api/spaces/:spaceId/items/:itemId/history/:stamp/name', 'editor', undefined],
    ] as const
  ).map(([route, access, json]): Row => ({
    route,
    access,
    ok: 404,
    params: () => ({ itemId: 'matrix-item', stamp: '001764300000000-000000-node' }),
    ...(json === undefined ? {} : { body: () => json }),
  })),
  // The Deleted tab (V11, V12): nothing deleted in the matrix space, so nothing comes back.
  { route: 'GET /api/spaces/:spaceId/deleted', access: 'viewer', ok: 200 },
  {
    route: 'POST /api/spaces/:spaceId/deleted/restore',
    access: 'editor',
    ok: 200,
    body: () => ({ itemIds: ['matrix-item'] }),
  },
  // History retention (V14): everyone sees it, owners set it.
  { route: 'GET /api/spaces/:spaceId/history-settings', access: 'viewer', ok: 200 },
  // The day chart of the Rewind screen (V23).
  { route: 'GET /api/spaces/:spaceId/activity', access: 'viewer', ok: 200 },
  {
    route: 'PUT /api/spaces/:spaceId/history-settings',
    access: 'owner',
    ok: 200,
    body: () => ({ keepAllDays: 7, keepDays: 90 }),
  },
  // Rewind (V16–V18): an empty space has nothing to rewind.
  ...(['POST /api/spaces/:spaceId/rewind/preview', 'POST /api/spaces/:spaceId/rewind'] as const).map(
    (route): Row => ({ route, access: 'owner', ok: 200, body: () => ({ at: Date.now() - 60_000 }) }),
  ),
  { route: 'GET /api/spaces/:spaceId/rewind/job', access: 'owner', ok: 200 },
  { route: 'DELETE /api/spaces/:spaceId/rewind/job', access: 'owner', ok: 200 },
  // Other areas: only authorization is checked until each area pins the statuses of allowed callers.
  ...(
    [
      ['GET /api/spaces/:spaceId/blobs/usage', 'viewer'],
      ['POST /api/spaces/:spaceId/blobs/has', 'viewer'],
      ['HEAD /api/spaces/:spaceId/blobs/:sha256', 'viewer'],
      ['GET /api/spaces/:spaceId/blobs/:sha256', 'viewer'],
      ['PUT /api/spaces/:spaceId/blobs/:sha256', 'editor'],
      ['POST /api/spaces/:spaceId/blobs/uploads', 'editor'],
      ['GET /api/spaces/:spaceId/blobs/uploads/:uploadId', 'editor'],
      ['PUT /api/spaces/:spaceId/blobs/uploads/:uploadId/parts/:partNumber', 'editor'],
      ['POST /api/spaces/:spaceId/blobs/uploads/:uploadId/complete', 'editor'],
      ['DELETE /api/spaces/:spaceId/blobs/uploads/:uploadId', 'editor'],
      // Locks (issue 4).
      ['GET /api/spaces/:spaceId/locks', 'viewer'],
      ['GET /api/spaces/:spaceId/locks/:name', 'viewer'],
      ['POST /api/spaces/:spaceId/locks/:name/acquire', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/renew', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/release', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/cancel', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/break', 'owner'],
      ['GET /api/spaces/:spaceId/locks/:name/history', 'viewer'],
      ['GET /api/spaces/:spaceId/locks/:name/socket', 'viewer'],
      // People around a check-out (L26–L29).
      ['POST /api/spaces/:spaceId/locks/:name/ask', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/answer', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/hand-over', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/watch', 'editor'],
      ['POST /api/spaces/:spaceId/locks/:name/take-stale', 'editor'],
      ['PUT /api/spaces/:spaceId/locks-rules', 'owner'],
      ['GET /api/spaces/:spaceId/notices', 'viewer'],
      ['PUT /api/spaces/:spaceId/notices/settings', 'viewer'],
      ['POST /api/spaces/:spaceId/push-subscriptions', 'viewer'],
      ['DELETE /api/spaces/:spaceId/push-subscriptions', 'viewer'],
      ['GET /api/push/key', 'session'],
      // The space's WebSocket (plain GET here: authorization runs before the upgrade).
      ['GET /api/spaces/:spaceId/socket', 'viewer'],
      // Sync (issue 5).
      ['POST /api/spaces/:spaceId/sync/push', 'editor'],
      ['GET /api/spaces/:spaceId/sync/pull', 'viewer'],
    ] as const
  ).map(([route, access]): Row => ({
    route,
    access,
    ok: 'authorized',
    params: () => ({
      sha256: 'a'.repeat(64),
      uploadId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partNumber: '1',
      name: 'readme.md',
    }),
  })),
];

/** The documented status for `caller` on `row` (see the 404-or-403 rule in docs/api.md). */
function expectedStatus(row: Row, caller: Caller): number | 'authorized' {
  const allowed = typeof row.ok === 'object' ? (row.ok[caller] ?? row.ok.default) : row.ok;
  if (row.access === 'public') return allowed;
  if (caller === 'anonymous' || caller === 'revoked') return 401;
  if (row.access === 'session') return allowed;
  if (caller === 'nonMember' || caller === 'removed') return 404;
  return roleAtLeast(caller, row.access) ? allowed : 403;
}

async function makeFixture(): Promise<Fixture> {
  const owner = await signUp();
  const spaceName = `Secret space ${unique()}`;
  const { spaceId } = await createSpace(owner.cookie, spaceName);
  const editor = await addMember(owner.cookie, spaceId, 'editor');
  const viewer = await addMember(owner.cookie, spaceId, 'viewer');
  const target = await addMember(owner.cookie, spaceId, 'viewer');
  const removed = await addMember(owner.cookie, spaceId, 'editor');
  await api(`/api/spaces/${spaceId}/members/${removed.userId}`, { method: 'DELETE', cookie: owner.cookie });
  const revoked = await addMember(owner.cookie, spaceId, 'editor');
  await api('/api/auth/sign-out', { method: 'POST', cookie: revoked.cookie });
  const nonMember = await signUp();
  const linkToken = await createLink(owner.cookie, spaceId, 'viewer');
  const links = v.parse(
    LinkListResponseSchema,
    await (await api(`/api/spaces/${spaceId}/links`, { cookie: owner.cookie })).json(),
  );
  return {
    spaceId,
    spaceName,
    linkToken,
    linkId: links.links[0]?.linkId ?? '',
    target,
    cookies: {
      owner: owner.cookie,
      editor: editor.cookie,
      viewer: viewer.cookie,
      removed: removed.cookie,
      revoked: revoked.cookie,
      nonMember: nonMember.cookie,
    },
    usernames: [owner.username, editor.username, viewer.username, target.username],
  };
}

function pathOf(row: Row, f: Fixture): { method: string; path: string } {
  const [method = 'GET', template = ''] = row.route.split(' ');
  const params: Record<string, string> = {
    spaceId: f.spaceId,
    userId: f.target.userId,
    linkId: f.linkId,
    token: f.linkToken,
    sessionId: 'AAAAAAAAAAAAAAAAAAAAAA',
    ...row.params?.(f),
  };
  const path = template.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`Row ${row.route} needs a value for :${name} (add params).`);
    return value;
  });
  return { method, path };
}

describe('authorization matrix', () => {
  for (const row of ROWS) {
    describe(row.route, () => {
      let f: Fixture;
      beforeAll(async () => {
        f = await makeFixture();
      });

      // Weakest first, so that an allowed caller's change (a deletion, a leave) comes last.
      for (const caller of CALLERS) {
        const status = expectedStatus(row, caller);
        it(`[Z1][Z2] ${caller} gets ${status}`, async () => {
          const { method, path } = pathOf(row, f);
          const cookie = caller === 'anonymous' ? undefined : f.cookies[caller];
          const body = row.body?.(f, caller);
          const res = await api(path, {
            method,
            ...(cookie ? { cookie } : {}),
            ...(body === undefined ? {} : { json: body }),
          });
          const text = await res.text();
          if (status === 'authorized') {
            expect(res.status, text).not.toBe(401);
            expect(res.status, text).not.toBe(403);
            if (res.status === 404 && method !== 'HEAD') expect(text).not.toContain(SPACE_NOT_FOUND_MESSAGE);
            return;
          }
          expect(res.status, text).toBe(status);
          // HEAD answers carry no body at all.
          if ([401, 403, 404].includes(status) && method !== 'HEAD') {
            // [Z3] an unauthorised answer is the bare error body and names nothing of the space.
            const error = v.parse(ErrorBodySchema, JSON.parse(text));
            expect(Object.keys(error).sort()).toEqual(['code', 'message']);
            for (const secret of [f.spaceId, f.spaceName, f.linkToken, ...f.usernames])
              expect(text).not.toContain(secret);
          }
        });
      }
    });
  }

  it('[Z1] every API route of the app has a row in this matrix', () => {
    const registered = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/'))
        .map((r) => `${r.method} ${r.path}`),
    );
    const covered = new Set(ROWS.map((row) => row.route));
    expect([...registered].filter((route) => !covered.has(route))).toEqual([]);
    expect([...covered].filter((route) => !registered.has(route))).toEqual([]);
  });
});
