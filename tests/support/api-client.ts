import * as v from 'valibot';
import { MeResponseSchema } from '#shared/accounts/auth';
import { CreateLinkResponseSchema } from '#shared/accounts/links';
import type { Role } from '#shared/accounts/roles';
import { SpaceResponseSchema } from '#shared/accounts/spaces';

/** The password every test user gets. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** A signed-in test user. */
export interface TestUser {
  cookie: string;
  userId: string;
  username: string;
}

/** Options of {@link api}: a fetch init plus the session cookie and a JSON body. */
export type ApiInit = RequestInit & { cookie?: string; json?: unknown };

/**
 * `fetch`, tried once more when a pooled keep-alive connection turns out closed by the local
 * server before any answer ("other side closed"): the request never reached the server.
 */
export async function fetchAgainIfStale(url: URL | string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw error;
    return fetch(url, init);
  }
}

/** Calls the real server at `baseUrl` with a same-origin `Origin` header, the cookie, and `json` as the body. */
export async function api(baseUrl: string, path: string, init: ApiInit = {}): Promise<Response> {
  const { cookie, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('origin')) headers.set('origin', new URL(baseUrl).origin);
  if (cookie) headers.set('cookie', cookie);
  let body = rest.body;
  if (json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(json);
  }
  return fetchAgainIfStale(new URL(path, baseUrl), { ...rest, headers, body });
}

/** The `name=value` part of the session cookie a response sets. */
export function sessionCookieOf(res: Response): string {
  const header = res.headers.getSetCookie().find((line) => line.startsWith('baton_session='));
  if (!header) throw new Error(`No session cookie in the response (status ${res.status}).`);
  return header.split(';')[0] ?? '';
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status}: ${await res.text()}`);
}

let counter = 0;

/** Signs up a new user (a unique name unless given) and answers their session cookie. */
export async function signUp(baseUrl: string, username?: string): Promise<TestUser> {
  const name = username ?? `user-${Date.now().toString(36)}-${process.pid}-${++counter}`;
  const res = await api(baseUrl, '/api/auth/sign-up', {
    method: 'POST',
    json: { username: name, password: TEST_PASSWORD },
  });
  await expectStatus(res, 201, 'sign-up');
  const { user } = v.parse(MeResponseSchema, await res.json());
  return { cookie: sessionCookieOf(res), userId: user.userId, username: user.username };
}

/** Signs in with the test password and answers a new session cookie. */
export async function signIn(baseUrl: string, username: string, password = TEST_PASSWORD): Promise<TestUser> {
  const res = await api(baseUrl, '/api/auth/sign-in', { method: 'POST', json: { username, password } });
  await expectStatus(res, 200, 'sign-in');
  const { user } = v.parse(MeResponseSchema, await res.json());
  return { cookie: sessionCookieOf(res), userId: user.userId, username: user.username };
}

/** Creates a space owned by the cookie's user. */
export async function createSpace(
  baseUrl: string,
  cookie: string,
  name = 'Test space',
): Promise<{ spaceId: string }> {
  const res = await api(baseUrl, '/api/spaces', { method: 'POST', cookie, json: { name } });
  await expectStatus(res, 201, 'create space');
  return { spaceId: v.parse(SpaceResponseSchema, await res.json()).space.spaceId };
}

/** Makes a share link for `role` (as an owner of the space) and answers its token. */
export async function createLink(
  baseUrl: string,
  ownerCookie: string,
  spaceId: string,
  role: Role,
  extra: { expiresInMs?: number; maxUses?: number } = {},
): Promise<string> {
  const res = await api(baseUrl, `/api/spaces/${spaceId}/links`, {
    method: 'POST',
    cookie: ownerCookie,
    json: { role, ...extra },
  });
  await expectStatus(res, 201, 'create link');
  return v.parse(CreateLinkResponseSchema, await res.json()).token;
}

/** Signs up a new user and joins them to the space through a share link granting `role`. */
export async function addMember(
  baseUrl: string,
  ownerCookie: string,
  spaceId: string,
  role: Role,
): Promise<TestUser> {
  const user = await signUp(baseUrl);
  const token = await createLink(baseUrl, ownerCookie, spaceId, role);
  await expectStatus(
    await api(baseUrl, `/api/join/${token}`, { method: 'POST', cookie: user.cookie }),
    200,
    'join',
  );
  return user;
}

/** The same helpers bound to one server: `const { signUp, createSpace } = apiClient(inject('baseUrl'))`. */
export function apiClient(baseUrl: string) {
  return {
    baseUrl,
    api: (path: string, init?: ApiInit) => api(baseUrl, path, init),
    signUp: (username?: string) => signUp(baseUrl, username),
    signIn: (username: string, password?: string) => signIn(baseUrl, username, password),
    createSpace: (cookie: string, name?: string) => createSpace(baseUrl, cookie, name),
    createLink: (
      ownerCookie: string,
      spaceId: string,
      role: Role,
      extra?: { expiresInMs?: number; maxUses?: number },
    ) => createLink(baseUrl, ownerCookie, spaceId, role, extra),
    addMember: (ownerCookie: string, spaceId: string, role: Role) =>
      addMember(baseUrl, ownerCookie, spaceId, role),
  };
}
