import { exports } from 'cloudflare:workers';
import { appPassword, ORIGIN } from './accounts';

/** A member with an app password, as git would sign in. */
export interface LfsUser {
  cookie: string;
  userId: string;
  username: string;
  password: string;
}

/** The user with a new app password of theirs (all spaces), as git and WebDAV clients sign in. */
export async function withAppPassword(
  user: { cookie: string; userId: string; username: string },
  access: 'read' | 'write' = 'write',
): Promise<LfsUser> {
  return { ...user, password: (await appPassword(user, { name: 'git', access })).password };
}

let address = 0;

/** Calls the LFS endpoint as git does: Basic auth, the LFS media type, no Origin, no cookie. */
export function lfs(
  path: string,
  user: { username: string; password: string } | null,
  init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  // Each call from its own address, so that one test's failed sign-ins never throttle another's.
  headers.set('cf-connecting-ip', `10.9.${Math.floor(++address / 250)}.${address % 250}`);
  headers.set('accept', 'application/vnd.git-lfs+json');
  if (user) headers.set('authorization', `Basic ${btoa(`${user.username}:${user.password}`)}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/vnd.git-lfs+json; charset=utf-8');
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(`${ORIGIN}/lfs${path}`, { method: init.method ?? 'GET', headers, body });
}

/** Follows a batch action: its href with its header. */
export function followAction(
  action: { href: string; header: Record<string, string> },
  init: { method: string; body?: BodyInit; headers?: Record<string, string> },
): Promise<Response> {
  return exports.default.fetch(action.href, {
    method: init.method,
    headers: { ...action.header, ...init.headers },
    body: init.body,
  });
}
