import { exports } from 'cloudflare:workers';
import { ORIGIN } from './accounts';

/** A WebDAV request as a desktop client sends it: Basic auth with an app password, no cookie. */
export function davRequest(
  user: { username: string; password: string },
  method: string,
  path: string,
  init: { body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Basic ${btoa(`${user.username}:${user.password}`)}`);
  const url = `${ORIGIN}/dav/${path.replace(/^\//, '')}`;
  return exports.default.fetch(url, { method, headers, body: init.body ?? null });
}

/** The Destination header of a COPY or MOVE to `path` below `/dav/`. */
export function destination(path: string): Record<string, string> {
  return { destination: `${ORIGIN}/dav/${path.replace(/^\//, '')}` };
}
