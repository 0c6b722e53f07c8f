import { exports } from 'cloudflare:workers';
import * as v from 'valibot';
import { MeResponseSchema } from '#shared/accounts/auth';
import { CreateLinkResponseSchema } from '#shared/accounts/links';
import type { Role } from '#shared/accounts/roles';
import { SpaceResponseSchema } from '#shared/accounts/spaces';

/** The origin worker tests call; state-changing requests carry it as `Origin`. */
export const ORIGIN = 'http://baton.test';
/** The password every test user gets. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** Options of {@link api}: a fetch init plus the session cookie and a JSON body. */
export type ApiInit = RequestInit & { cookie?: string; json?: unknown };

/** Calls the Worker with a same-origin `Origin` header, the cookie, and `json` as the body. */
export async function api(path: string, init: ApiInit = {}): Promise<Response> {
  const { cookie, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('origin')) headers.set('origin', ORIGIN);
  if (cookie) headers.set('cookie', cookie);
  let body = rest.body;
  if (json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(json);
  }
  return exports.default.fetch(`${ORIGIN}${path}`, { ...rest, headers, body });
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
export async function signUp(
  username?: string,
): Promise<{ cookie: string; userId: string; username: string }> {
  const name = username ?? `user-${Date.now().toString(36)}-${++counter}`;
  const res = await api('/api/auth/sign-up', {
    method: 'POST',
    json: { username: name, password: TEST_PASSWORD },
  });
  await expectStatus(res, 201, 'sign-up');
  const cookie = sessionCookieOf(res);
  const { user } = v.parse(MeResponseSchema, await res.json());
  return { cookie, userId: user.userId, username: user.username };
}

/** Creates a space owned by the cookie's user. */
export async function createSpace(cookie: string, name = 'Test space'): Promise<{ spaceId: string }> {
  const res = await api('/api/spaces', { method: 'POST', cookie, json: { name } });
  await expectStatus(res, 201, 'create space');
  const { space } = v.parse(SpaceResponseSchema, await res.json());
  return { spaceId: space.spaceId };
}

/** Makes a share link for `role` in the space (as its owner) and answers its token. */
export async function createLink(
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
export async function addMember(
  ownerCookie: string,
  spaceId: string,
  role: Role,
): Promise<{ cookie: string; userId: string; username: string }> {
  const user = await signUp();
  const token = await createLink(ownerCookie, spaceId, role);
  const res = await api(`/api/join/${token}`, { method: 'POST', cookie: user.cookie });
  await expectStatus(res, 200, 'join');
  return user;
}
