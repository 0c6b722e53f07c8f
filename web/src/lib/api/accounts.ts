import * as v from 'valibot';
import { MeResponseSchema, SessionListResponseSchema, type User } from '#shared/accounts/auth';
import {
  CreateLinkResponseSchema,
  JoinResponseSchema,
  LinkListResponseSchema,
  type CreateLinkRequest,
} from '#shared/accounts/links';
import {
  PasskeyLoginOptionsResponseSchema,
  PasskeyRegisterOptionsResponseSchema,
} from '#shared/accounts/passkeys';
import type { Role } from '#shared/accounts/roles';
import { MemberListResponseSchema, MemberResponseSchema, SpaceResponseSchema } from '#shared/accounts/spaces';
import { ApiRequestError, apiFetch } from './http';

const NoContentSchema = v.unknown();
const enc = encodeURIComponent;

export { createSpace, fetchMe, listSpaces, signOut } from './session';

/** Creates an account with a password and signs it in. */
export async function signUpWithPassword(username: string, password: string): Promise<User> {
  return (await apiFetch('/api/auth/sign-up', MeResponseSchema, { body: { username, password } })).user;
}

/** Signs in with a password. */
export async function signInWithPassword(username: string, password: string): Promise<User> {
  return (await apiFetch('/api/auth/sign-in', MeResponseSchema, { body: { username, password } })).user;
}

/** Turns the browser's WebAuthn failures into the app's one error type, with words a person understands. */
function ceremonyError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return new ApiRequestError('PASSKEY_CANCELLED', 'The passkey request was cancelled or timed out.', 0);
  }
  if (name === 'InvalidStateError')
    return new ApiRequestError('PASSKEY_EXISTS', 'This device already has a passkey for this account.', 0);
  return new ApiRequestError(
    'PASSKEY_FAILED',
    error instanceof Error ? error.message : 'The passkey did not work.',
    0,
  );
}

/**
 * Registers a passkey: with `username` while signed out (creates the account and signs in), or
 * with no username while signed in (adds the passkey to the account).
 */
export async function registerPasskey(username?: string): Promise<User> {
  try {
    // The WebAuthn helper loads only when a passkey is used, in parallel with the options.
    const webauthn = import('@simplewebauthn/browser');
    const { challengeId, options } = await apiFetch(
      '/api/auth/passkey/register/options',
      PasskeyRegisterOptionsResponseSchema,
      {
        body: username === undefined ? {} : { username },
      },
    );
    const { startRegistration } = await webauthn;
    const credential = await startRegistration({ optionsJSON: options });
    return (
      await apiFetch('/api/auth/passkey/register/verify', MeResponseSchema, {
        body: { challengeId, credential },
      })
    ).user;
  } catch (error) {
    throw ceremonyError(error);
  }
}

/** Signs in with a discoverable passkey (no username typed). */
export async function signInWithPasskey(): Promise<User> {
  try {
    const webauthn = import('@simplewebauthn/browser');
    const { challengeId, options } = await apiFetch(
      '/api/auth/passkey/login/options',
      PasskeyLoginOptionsResponseSchema,
      { body: {} },
    );
    const { startAuthentication } = await webauthn;
    const credential = await startAuthentication({ optionsJSON: options });
    return (
      await apiFetch('/api/auth/passkey/login/verify', MeResponseSchema, {
        body: { challengeId, credential },
      })
    ).user;
  } catch (error) {
    throw ceremonyError(error);
  }
}

/** The user's sessions. */
export async function listSessions() {
  return (await apiFetch('/api/auth/sessions', SessionListResponseSchema)).sessions;
}

/** Revokes one session. */
export async function revokeSession(sessionId: string): Promise<void> {
  await apiFetch(`/api/auth/sessions/${enc(sessionId)}`, NoContentSchema, { method: 'DELETE' });
}

/** One space with the caller's role. */
export async function getSpace(spaceId: string) {
  return (await apiFetch(`/api/spaces/${enc(spaceId)}`, SpaceResponseSchema)).space;
}

/** Renames a space (owner). */
export async function renameSpace(spaceId: string, name: string) {
  return (
    await apiFetch(`/api/spaces/${enc(spaceId)}`, SpaceResponseSchema, { method: 'PATCH', body: { name } })
  ).space;
}

/** Deletes a space and everything in it (owner). */
export async function deleteSpace(spaceId: string): Promise<void> {
  await apiFetch(`/api/spaces/${enc(spaceId)}`, NoContentSchema, { method: 'DELETE' });
}

/** The members of a space. */
export async function listMembers(spaceId: string) {
  return (await apiFetch(`/api/spaces/${enc(spaceId)}/members`, MemberListResponseSchema)).members;
}

/** Changes a member's role (owner). */
export async function changeRole(spaceId: string, userId: string, role: Role) {
  return (
    await apiFetch(`/api/spaces/${enc(spaceId)}/members/${enc(userId)}`, MemberResponseSchema, {
      method: 'PATCH',
      body: { role },
    })
  ).member;
}

/** Removes a member (owner). */
export async function removeMember(spaceId: string, userId: string): Promise<void> {
  await apiFetch(`/api/spaces/${enc(spaceId)}/members/${enc(userId)}`, NoContentSchema, { method: 'DELETE' });
}

/** Leaves a space. */
export async function leaveSpace(spaceId: string): Promise<void> {
  await apiFetch(`/api/spaces/${enc(spaceId)}/leave`, NoContentSchema, { method: 'POST' });
}

/** The share links of a space (owner). */
export async function listLinks(spaceId: string) {
  return (await apiFetch(`/api/spaces/${enc(spaceId)}/links`, LinkListResponseSchema)).links;
}

/** Creates a share link (owner); the answer carries the only copy of its token. */
export async function createLink(spaceId: string, request: CreateLinkRequest) {
  return apiFetch(`/api/spaces/${enc(spaceId)}/links`, CreateLinkResponseSchema, { body: request });
}

/** Revokes a share link (owner). */
export async function revokeLink(spaceId: string, linkId: string): Promise<void> {
  await apiFetch(`/api/spaces/${enc(spaceId)}/links/${enc(linkId)}`, NoContentSchema, { method: 'DELETE' });
}

/** What a share link offers, without joining. */
export async function previewJoin(token: string) {
  return apiFetch(`/api/join/${enc(token)}`, JoinResponseSchema);
}

/** Joins a space through a share link. */
export async function join(token: string) {
  return apiFetch(`/api/join/${enc(token)}`, JoinResponseSchema, { method: 'POST' });
}
