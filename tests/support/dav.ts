import * as v from 'valibot';
import {
  CreateAppPasswordResponseSchema,
  type CreateAppPasswordRequest,
} from '#shared/accounts/app-passwords';
import { api, fetchAgainIfStale, type TestUser } from './api-client';

/** Makes an app password for `user` (as the Settings page does) and answers the secret. */
export async function appPassword(
  baseUrl: string,
  user: TestUser,
  input: Partial<CreateAppPasswordRequest> = {},
): Promise<{ password: string; appPasswordId: string }> {
  const res = await api(baseUrl, '/api/auth/app-passwords', {
    method: 'POST',
    cookie: user.cookie,
    json: { name: 'test', spaceId: null, access: 'write', ...input },
  });
  if (res.status !== 201) throw new Error(`app password: ${res.status} ${await res.text()}`);
  const made = v.parse(CreateAppPasswordResponseSchema, await res.json());
  return { password: made.password, appPasswordId: made.appPassword.appPasswordId };
}

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
