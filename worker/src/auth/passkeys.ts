import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import * as v from 'valibot';
import {
  TransportSchema,
  type PasskeyLoginOptionsResponse,
  type PasskeyLoginVerifyRequest,
  type PasskeyRegisterOptionsResponse,
  type PasskeyRegisterVerifyRequest,
} from '#shared/accounts/passkeys';
import { fromBase64Url, randomToken, toBase64Url } from '../kernel/crypto';
import type { SessionOwner } from '../accounts/user-record';
import { unwrap } from '../http/api-error';
import { publicOrigin } from '../config';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { directory } from '../objects/stubs';

/** The relying party is whatever host serves the app: its id is the host name, its origin the request's. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/**
 * The relying party of a request: the app's public origin (PUBLIC_ORIGIN behind a proxy,
 * worker/src/config.ts), else the origin the request was sent to.
 */
export function relyingPartyOf(c: { env: Env; req: { url: string } }): RelyingParty {
  const parsed = new URL(publicOrigin(c.env, c.req.url));
  return { id: parsed.hostname, origin: parsed.origin };
}

const RP_NAME = 'Baton';

/** Credential descriptors in the wire's exact types (the library types them loosely as strings). */
function descriptors(list: readonly { id: string; transports?: string[] }[] | undefined) {
  return list?.map((d) => ({
    id: d.id,
    type: 'public-key' as const,
    transports: d.transports?.filter((t) => v.is(TransportSchema, t)),
  }));
}
const NOT_VERIFIED = 'The passkey could not be verified. Try again.';
const EXPIRED = 'This passkey request has expired or was already used. Start again.';

/**
 * Options for `navigator.credentials.create`: a discoverable credential (resident key required),
 * so that sign-in needs no username. `session` set: add a passkey to that account; otherwise
 * `username` (normalised) names the account a passkey sign-up will create.
 */
export async function registrationOptions(
  env: Env,
  rp: RelyingParty,
  who: { session: SessionOwner } | { username: string },
): Promise<PasskeyRegisterOptionsResponse> {
  const dir = directory(env);
  let userId: string;
  let userName: string;
  let exclude: { id: string; transports?: string[] }[] = [];
  if ('session' in who) {
    userId = who.session.userId;
    userName = who.session.username;
    exclude = (await dir.passkeysOf(userId)).map((p) => ({ id: p.credentialId, transports: p.transports }));
  } else {
    if (await dir.usernameTaken(who.username))
      throw new ApiError('USERNAME_TAKEN', 'That username is taken. Choose another one.');
    userId = randomToken();
    userName = who.username;
  }
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.id,
    userName,
    userID: fromBase64Url(userId),
    attestationType: 'none',
    excludeCredentials: exclude,
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const { challengeId } = await dir.putChallenge({
    challenge: options.challenge,
    purpose: 'register',
    userId,
    username: 'session' in who ? null : who.username,
  });
  return {
    challengeId,
    options: { ...options, excludeCredentials: descriptors(options.excludeCredentials) },
  };
}

/**
 * Verifies a new credential against its challenge, origin and relying party id, and stores it:
 * for a sign-up, creates the account (passkey only) and answers its id; for a signed-in user,
 * adds it to their account (the challenge must have been made for that same user).
 */
export async function finishRegistration(
  env: Env,
  rp: RelyingParty,
  request: PasskeyRegisterVerifyRequest,
  session: SessionOwner | undefined,
): Promise<{ userId: string; newAccount: boolean }> {
  const dir = directory(env);
  const pending = await dir.takeChallenge(request.challengeId, 'register');
  if (!pending || !pending.userId) throw new ApiError('BAD_REQUEST', EXPIRED);
  const adding = pending.username === null;
  if (adding && session?.userId !== pending.userId)
    throw new ApiError('UNAUTHENTICATED', 'Sign in to add a passkey.');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: request.credential,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw new ApiError(
      'INVALID_CREDENTIALS',
      `${NOT_VERIFIED} (${error instanceof Error ? error.message : 'unknown reason'})`,
    );
  }
  if (!verified.verified) throw new ApiError('INVALID_CREDENTIALS', NOT_VERIFIED);
  const { credential } = verified.registrationInfo;
  if (!adding) unwrap(await dir.createUser(pending.username ?? '', null, pending.userId));
  unwrap(
    await dir.addPasskey(pending.userId, {
      credentialId: credential.id,
      publicKey: toBase64Url(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? request.credential.response.transports ?? [],
    }),
  );
  return { userId: pending.userId, newAccount: !adding };
}

/** Options for `navigator.credentials.get` with no allow-list: the authenticator offers its discoverable credentials. */
export async function authenticationOptions(
  env: Env,
  rp: RelyingParty,
): Promise<PasskeyLoginOptionsResponse> {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred' });
  const { challengeId } = await directory(env).putChallenge({
    challenge: options.challenge,
    purpose: 'login',
    userId: null,
    username: null,
  });
  return { challengeId, options: { ...options, allowCredentials: descriptors(options.allowCredentials) } };
}

/** Verifies an assertion and answers the user it signs in. */
export async function finishAuthentication(
  env: Env,
  rp: RelyingParty,
  request: PasskeyLoginVerifyRequest,
): Promise<{ userId: string }> {
  const dir = directory(env);
  const pending = await dir.takeChallenge(request.challengeId, 'login');
  if (!pending) throw new ApiError('BAD_REQUEST', EXPIRED);
  const passkey = await dir.passkey(request.credential.id);
  if (!passkey) throw new ApiError('INVALID_CREDENTIALS', 'This passkey is not registered here.');
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: request.credential,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: fromBase64Url(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: false,
    });
  } catch (error) {
    throw new ApiError(
      'INVALID_CREDENTIALS',
      `${NOT_VERIFIED} (${error instanceof Error ? error.message : 'unknown reason'})`,
    );
  }
  if (!verified.verified) throw new ApiError('INVALID_CREDENTIALS', NOT_VERIFIED);
  await dir.setPasskeyCounter(passkey.credentialId, verified.authenticationInfo.newCounter);
  return { userId: passkey.userId };
}
