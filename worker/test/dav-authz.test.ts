/**
 * The WebDAV part of the authorization matrix (docs/api.md, "Who may call what"): every DAV
 * method × every kind of caller. WebDAV takes app passwords only; the cookie is never read.
 */
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, appPassword, createSpace, ORIGIN, signUp } from './support/accounts';

const CALLERS = [
  'anonymous',
  'cookieOnly',
  'revoked',
  'nonMember',
  'removed',
  'readOnly',
  'viewer',
  'editor',
  'owner',
] as const;
type Caller = (typeof CALLERS)[number];

/** Method, the path below the space, what it needs, its success status and extra headers. */
const ROWS: {
  method: string;
  path: string;
  need: 'viewer' | 'editor';
  ok: number;
  headers?: Record<string, string>;
  body?: string;
}[] = [
  { method: 'OPTIONS', path: '', need: 'viewer', ok: 200 },
  { method: 'PROPFIND', path: '', need: 'viewer', ok: 207, headers: { depth: '1' } },
  { method: 'GET', path: 'a.txt', need: 'viewer', ok: 200 },
  { method: 'HEAD', path: 'a.txt', need: 'viewer', ok: 200 },
  { method: 'PUT', path: 'new-{caller}.txt', need: 'editor', ok: 201, body: 'x' },
  {
    method: 'PROPPATCH',
    path: 'a.txt',
    need: 'editor',
    ok: 207,
    body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z xmlns="urn:z">1</z></D:prop></D:set></D:propertyupdate>',
  },
  { method: 'MKCOL', path: 'folder-{caller}', need: 'editor', ok: 201 },
  {
    method: 'COPY',
    path: 'a.txt',
    need: 'editor',
    ok: 201,
    headers: { destination: '/dav/Matrix/copy-{caller}.txt' },
  },
  {
    method: 'LOCK',
    path: 'b-{caller}.txt',
    need: 'editor',
    ok: 200,
    body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
  },
  {
    method: 'UNLOCK',
    path: 'a.txt',
    need: 'editor',
    ok: 409,
    headers: { 'lock-token': '<urn:uuid:00000000-0000-4000-8000-000000000001>' },
  },
  {
    method: 'MOVE',
    path: 'c-{caller}.txt',
    need: 'editor',
    ok: 201,
    headers: { destination: '/dav/Matrix/moved-{caller}.txt' },
  },
  { method: 'DELETE', path: 'd-{caller}.txt', need: 'editor', ok: 204 },
];

function expected(row: (typeof ROWS)[number], caller: Caller): number {
  if (caller === 'anonymous' || caller === 'cookieOnly' || caller === 'revoked') return 401;
  if (row.method === 'OPTIONS') return 200;
  if (caller === 'nonMember' || caller === 'removed') return 404;
  if (row.need === 'editor' && (caller === 'viewer' || caller === 'readOnly')) return 403;
  return row.ok;
}

const basic = (username: string, password: string) => `Basic ${btoa(`${username}:${password}`)}`;

async function passwordFor(user: { cookie: string; username: string }, access: 'read' | 'write' = 'write') {
  const made = await appPassword(user, { name: 'm', access });
  return { auth: basic(user.username, made.password), id: made.appPasswordId };
}

async function fixture() {
  const owner = await signUp();
  const { spaceId } = await createSpace(owner.cookie, 'Matrix');
  const ownerPw = await passwordFor(owner);
  const names = ['a.txt', ...CALLERS.flatMap((caller) => ['b', 'c', 'd'].map((x) => `${x}-${caller}.txt`))];
  for (const name of names) {
    const res = await exports.default.fetch(`${ORIGIN}/dav/Matrix/${name}`, {
      method: 'PUT',
      headers: { authorization: ownerPw.auth },
      body: 'hello',
    });
    expect(res.status).toBe(201);
  }
  const editor = await addMember(owner.cookie, spaceId, 'editor');
  const viewer = await addMember(owner.cookie, spaceId, 'viewer');
  const removed = await addMember(owner.cookie, spaceId, 'editor');
  const removedPw = await passwordFor(removed);
  await api(`/api/spaces/${spaceId}/members/${removed.userId}`, { method: 'DELETE', cookie: owner.cookie });
  const revoked = await passwordFor(owner);
  await api(`/api/auth/app-passwords/${revoked.id}`, { method: 'DELETE', cookie: owner.cookie });
  const nonMember = await signUp();
  const headers: Record<Caller, Record<string, string>> = {
    anonymous: {},
    cookieOnly: { cookie: owner.cookie },
    revoked: { authorization: revoked.auth },
    nonMember: { authorization: (await passwordFor(nonMember)).auth },
    removed: { authorization: removedPw.auth },
    readOnly: { authorization: (await passwordFor(owner, 'read')).auth },
    viewer: { authorization: (await passwordFor(viewer)).auth },
    editor: { authorization: (await passwordFor(editor)).auth },
    owner: { authorization: ownerPw.auth },
  };
  return headers;
}

describe('WebDAV authorization matrix', { timeout: 60_000 }, () => {
  for (const row of ROWS) {
    describe(`${row.method} /dav/:space/${row.path.replace('-{caller}', '')}`, () => {
      let headers: Record<Caller, Record<string, string>>;
      beforeAll(async () => {
        headers = await fixture();
      });
      for (const caller of CALLERS) {
        const status = expected(row, caller);
        it(`[P2][P5][Z2] ${caller} gets ${status}`, async () => {
          const fill = (text: string) => text.replaceAll('{caller}', caller);
          const extra = Object.fromEntries(
            Object.entries(row.headers ?? {}).map(([k, value]) => [k, fill(value)]),
          );
          const res = await exports.default.fetch(`${ORIGIN}/dav/Matrix/${fill(row.path)}`, {
            method: row.method,
            headers: {
              ...headers[caller],
              ...extra,
              'cf-connecting-ip': `10.1.${CALLERS.indexOf(caller)}.1`,
            },
            body: row.body ?? null,
          });
          const text = await res.text();
          expect(res.status, text).toBe(status);
          if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Baton"/);
          if (status === 404) expect(text).not.toContain('Matrix');
        });
      }
    });
  }
});
