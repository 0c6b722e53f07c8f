import * as v from 'valibot';
import { MeOrNobodyResponseSchema, type User } from '#shared/accounts/auth';
import { SpaceListResponseSchema, SpaceResponseSchema } from '#shared/accounts/spaces';
import { apiFetch } from './http';

// What the first screen asks of the accounts API: who is signed in, and their spaces. The rest
// (passkeys, members, links) lives in accounts.ts and loads with the screens that use it.

const NoContentSchema = v.unknown();

/** The signed-in user, or null when the session is missing or over. */
export async function fetchMe(): Promise<User | null> {
  return (await apiFetch('/api/auth/me', MeOrNobodyResponseSchema)).user;
}

/** Ends this session. */
export async function signOut(): Promise<void> {
  await apiFetch('/api/auth/sign-out', NoContentSchema, { method: 'POST' });
}

/** The user's cloud spaces. */
export async function listSpaces() {
  return (await apiFetch('/api/spaces', SpaceListResponseSchema)).spaces;
}

/** Creates a cloud space owned by the user. */
export async function createSpace(name: string) {
  return (await apiFetch('/api/spaces', SpaceResponseSchema, { body: { name } })).space;
}
