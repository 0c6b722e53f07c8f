import * as v from 'valibot';
import {
  CreateAppPasswordResponseSchema,
  type CreateAppPasswordRequest,
} from '#shared/accounts/app-passwords';
import { MeResponseSchema } from '#shared/accounts/auth';
import { CreateLinkResponseSchema } from '#shared/accounts/links';
import type { Role } from '#shared/accounts/roles';
import { SpaceResponseSchema } from '#shared/accounts/spaces';

// The one API client of the tests. Worker tests (worker/test/support/accounts.ts) give it
// workerd's own fetch of the Worker; integration, e2e and container tests give it the network.
// It uses only web-standard APIs, so it runs in both Node and workerd.

/** The password every test user gets. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** A signed-in test user. */
export interface TestUser {
  cookie: string;
  userId: string;
  username: string;
}

/** Options of {@link ApiClient.api}: a fetch init plus the session cookie and a JSON body. */
export type ApiInit = RequestInit & { cookie?: string; json?: unknown };

/** How the client reaches the Worker. */
export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

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

// Test files of one run share a server (and may run in parallel processes): a random tag per
// module keeps generated usernames apart.
const run = crypto.randomUUID().slice(0, 6);
let counter = 0;

/** The API of the Worker at `baseUrl`, reached through `fetcher` (the network by default). */
export function apiClient(baseUrl: string, fetcher: Fetcher = fetchAgainIfStale) {
  const origin = new URL(baseUrl).origin;

  /** Calls the Worker with a same-origin `Origin` header, the cookie, and `json` as the body. */
  function api(path: string, init: ApiInit = {}): Promise<Response> {
    const { cookie, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has('origin')) headers.set('origin', origin);
    if (cookie) headers.set('cookie', cookie);
    let body = rest.body;
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    return fetcher(new URL(path, baseUrl).href, { ...rest, headers, body });
  }

  async function signedIn(res: Response, status: number, what: string): Promise<TestUser> {
    await expectStatus(res, status, what);
    const { user } = v.parse(MeResponseSchema, await res.json());
    return { cookie: sessionCookieOf(res), userId: user.userId, username: user.username };
  }

  /** Signs up a new user (a unique name unless given) and answers their session cookie. */
  async function signUp(username?: string): Promise<TestUser> {
    const name = username ?? `user-${Date.now().toString(36)}-${run}-${++counter}`;
    const res = await api('/api/auth/sign-up', {
      method: 'POST',
      json: { username: name, password: TEST_PASSWORD },
    });
    return signedIn(res, 201, 'sign-up');
  }

  /** Signs in with the test password (unless given) and answers a new session cookie. */
  async function signIn(username: string, password = TEST_PASSWORD): Promise<TestUser> {
    const res = await api('/api/auth/sign-in', { method: 'POST', json: { username, password } });
    return signedIn(res, 200, 'sign-in');
  }

  /** Creates a space owned by the cookie's user. */
  async function createSpace(cookie: string, name = 'Test space'): Promise<{ spaceId: string }> {
    const res = await api('/api/spaces', { method: 'POST', cookie, json: { name } });
    await expectStatus(res, 201, 'create space');
    return { spaceId: v.parse(SpaceResponseSchema, await res.json()).space.spaceId };
  }

  /** Makes a share link for `role` (as an owner of the space) and answers its token. */
  async function createLink(
    ownerCookie: string,
    spaceId: string,
    role: Role,
    extra: { expiresInMs?: number; maxUses?: number } = {},
  ): Promise<string> {
    const res = await api(`/api/spaces/${spaceId}/links`, {
      method: 'POST',
      cookie: ownerCookie,
      json: { role, ...extra },
    });
    await expectStatus(res, 201, 'create link');
    return v.parse(CreateLinkResponseSchema, await res.json()).token;
  }

  /** Signs up a new user and joins them to the space through a share link granting `role`. */
  async function addMember(ownerCookie: string, spaceId: string, role: Role): Promise<TestUser> {
    const user = await signUp();
    const token = await createLink(ownerCookie, spaceId, role);
    await expectStatus(await api(`/api/join/${token}`, { method: 'POST', cookie: user.cookie }), 200, 'join');
    return user;
  }

  /**
   * Makes an app password for the user (as the Settings page does): by default for all spaces,
   * with write access. Answers the secret, which WebDAV and git send as the Basic password.
   */
  async function appPassword(
    user: { cookie: string },
    input: Partial<CreateAppPasswordRequest> = {},
  ): Promise<{ password: string; appPasswordId: string }> {
    const res = await api('/api/auth/app-passwords', {
      method: 'POST',
      cookie: user.cookie,
      json: { name: 'test', spaceId: null, access: 'write', ...input },
    });
    await expectStatus(res, 201, 'app password');
    const made = v.parse(CreateAppPasswordResponseSchema, await res.json());
    return { password: made.password, appPasswordId: made.appPassword.appPasswordId };
  }

  return { baseUrl, api, signUp, signIn, createSpace, createLink, addMember, appPassword };
}

/** The client's calls, each bound to one server. */
export type ApiClient = ReturnType<typeof apiClient>;

// The same calls with the server's address first, for tests that reach several servers.

/** {@link ApiClient.api} on the server at `baseUrl`. */
export const api = (baseUrl: string, path: string, init?: ApiInit) => apiClient(baseUrl).api(path, init);
/** {@link ApiClient.signUp} on the server at `baseUrl`. */
export const signUp = (baseUrl: string, username?: string) => apiClient(baseUrl).signUp(username);
/** {@link ApiClient.signIn} on the server at `baseUrl`. */
export const signIn = (baseUrl: string, username: string, password?: string) =>
  apiClient(baseUrl).signIn(username, password);
/** {@link ApiClient.createSpace} on the server at `baseUrl`. */
export const createSpace = (baseUrl: string, cookie: string, name?: string) =>
  apiClient(baseUrl).createSpace(cookie, name);
/** {@link ApiClient.addMember} on the server at `baseUrl`. */
export const addMember = (baseUrl: string, ownerCookie: string, spaceId: string, role: Role) =>
  apiClient(baseUrl).addMember(ownerCookie, spaceId, role);
/** {@link ApiClient.appPassword} on the server at `baseUrl`. */
export const appPassword = (
  baseUrl: string,
  user: { cookie: string },
  input?: Partial<CreateAppPasswordRequest>,
) => apiClient(baseUrl).appPassword(user, input);
