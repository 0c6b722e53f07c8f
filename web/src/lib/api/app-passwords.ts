import * as v from 'valibot';
import {
  AppPasswordListResponseSchema,
  CreateAppPasswordResponseSchema,
  type CreateAppPasswordRequest,
} from '#shared/accounts/app-passwords';
import { apiFetch } from './http';

/** The signed-in user's app passwords, newest first. */
export async function listAppPasswords() {
  return (await apiFetch('/api/auth/app-passwords', AppPasswordListResponseSchema)).appPasswords;
}

/** Creates an app password; the answer carries the secret, which is never shown again. */
export async function createAppPassword(input: CreateAppPasswordRequest) {
  return apiFetch('/api/auth/app-passwords', CreateAppPasswordResponseSchema, { body: input });
}

/** Revokes an app password: programs using it are refused from their next request. */
export async function revokeAppPassword(appPasswordId: string): Promise<void> {
  await apiFetch(`/api/auth/app-passwords/${encodeURIComponent(appPasswordId)}`, v.unknown(), {
    method: 'DELETE',
  });
}
