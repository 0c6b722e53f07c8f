import { fetchAgainIfStale } from './api-client';

/** A WebDAV request with Basic credentials. */
export function dav(
  baseUrl: string,
  auth: { username: string; password: string },
  method: string,
  path: string,
  init: { body?: string | Blob; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetchAgainIfStale(new URL(path, baseUrl), {
    method,
    headers: { authorization: `Basic ${btoa(`${auth.username}:${auth.password}`)}`, ...init.headers },
    body: init.body ?? null,
  });
}
