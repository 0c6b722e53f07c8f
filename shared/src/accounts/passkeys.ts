import * as v from 'valibot';
import { UsernameSchema } from './username';

const Base64UrlSchema = v.pipe(
  v.string(),
  v.maxLength(16_384),
  v.regex(/^[A-Za-z0-9_-]*={0,2}$/, 'Not base64url.'),
);
/** An authenticator transport hint. */
export const TransportSchema = v.picklist(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const UserVerificationSchema = v.picklist(['discouraged', 'preferred', 'required']);
const HintSchema = v.picklist(['hybrid', 'security-key', 'client-device']);
const DescriptorSchema = v.object({
  id: Base64UrlSchema,
  type: v.literal('public-key'),
  transports: v.optional(v.array(TransportSchema)),
});

/**
 * `POST /api/auth/passkey/register/options`: `{ username }` to sign up with a passkey, or `{}`
 * when signed in, to add a passkey to the account.
 */
export const PasskeyRegisterOptionsRequestSchema = v.strictObject({ username: v.optional(UsernameSchema) });
/** Body of `POST /api/auth/passkey/register/options`. */
export type PasskeyRegisterOptionsRequest = v.InferOutput<typeof PasskeyRegisterOptionsRequestSchema>;

/** `POST /api/auth/passkey/login/options`: a discoverable sign-in, so nothing is sent. */
export const PasskeyLoginOptionsRequestSchema = v.strictObject({});

/** WebAuthn creation options as JSON (read leniently by the browser; fields it does not use are dropped). */
export const CreationOptionsSchema = v.object({
  rp: v.object({ name: v.string(), id: v.optional(v.string()) }),
  user: v.object({ id: Base64UrlSchema, name: v.string(), displayName: v.string() }),
  challenge: Base64UrlSchema,
  pubKeyCredParams: v.array(v.object({ alg: v.number(), type: v.literal('public-key') })),
  timeout: v.optional(v.number()),
  excludeCredentials: v.optional(v.array(DescriptorSchema)),
  authenticatorSelection: v.optional(
    v.object({
      authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
      requireResidentKey: v.optional(v.boolean()),
      residentKey: v.optional(v.picklist(['discouraged', 'preferred', 'required'])),
      userVerification: v.optional(UserVerificationSchema),
    }),
  ),
  hints: v.optional(v.array(HintSchema)),
  attestation: v.optional(v.picklist(['direct', 'enterprise', 'indirect', 'none'])),
});

/** WebAuthn request options as JSON. */
export const RequestOptionsSchema = v.object({
  challenge: Base64UrlSchema,
  timeout: v.optional(v.number()),
  rpId: v.optional(v.string()),
  allowCredentials: v.optional(v.array(DescriptorSchema)),
  userVerification: v.optional(UserVerificationSchema),
  hints: v.optional(v.array(HintSchema)),
});

/** Answer of `…/register/options`: the options for `navigator.credentials.create` and the challenge to quote back. */
export const PasskeyRegisterOptionsResponseSchema = v.object({
  challengeId: v.string(),
  options: CreationOptionsSchema,
});
/** Answer of `…/register/options`. */
export type PasskeyRegisterOptionsResponse = v.InferOutput<typeof PasskeyRegisterOptionsResponseSchema>;

/** Answer of `…/login/options`. */
export const PasskeyLoginOptionsResponseSchema = v.object({
  challengeId: v.string(),
  options: RequestOptionsSchema,
});
/** Answer of `…/login/options`. */
export type PasskeyLoginOptionsResponse = v.InferOutput<typeof PasskeyLoginOptionsResponseSchema>;

// Credentials are read with `v.object` (unknown keys dropped, not refused): browsers and
// @simplewebauthn/browser add fields over time, and the verifier needs only these.
const ClientExtensionResultsSchema = v.object({
  credProps: v.optional(v.object({ rk: v.optional(v.boolean()) })),
});

/** The JSON of a new credential from `navigator.credentials.create` (RegistrationResponseJSON). */
export const RegistrationCredentialSchema = v.object({
  id: Base64UrlSchema,
  rawId: Base64UrlSchema,
  type: v.literal('public-key'),
  response: v.object({
    clientDataJSON: Base64UrlSchema,
    attestationObject: Base64UrlSchema,
    authenticatorData: v.optional(Base64UrlSchema),
    transports: v.optional(v.array(TransportSchema)),
    publicKeyAlgorithm: v.optional(v.number()),
    publicKey: v.optional(Base64UrlSchema),
  }),
  authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
  clientExtensionResults: ClientExtensionResultsSchema,
});

/** The JSON of an assertion from `navigator.credentials.get` (AuthenticationResponseJSON). */
export const AuthenticationCredentialSchema = v.object({
  id: Base64UrlSchema,
  rawId: Base64UrlSchema,
  type: v.literal('public-key'),
  response: v.object({
    clientDataJSON: Base64UrlSchema,
    authenticatorData: Base64UrlSchema,
    signature: Base64UrlSchema,
    userHandle: v.optional(Base64UrlSchema),
  }),
  authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
  clientExtensionResults: ClientExtensionResultsSchema,
});

/** `POST /api/auth/passkey/register/verify` */
export const PasskeyRegisterVerifyRequestSchema = v.strictObject({
  challengeId: v.pipe(v.string(), v.maxLength(64)),
  credential: RegistrationCredentialSchema,
});
/** Body of `POST /api/auth/passkey/register/verify`. */
export type PasskeyRegisterVerifyRequest = v.InferOutput<typeof PasskeyRegisterVerifyRequestSchema>;

/** `POST /api/auth/passkey/login/verify` */
export const PasskeyLoginVerifyRequestSchema = v.strictObject({
  challengeId: v.pipe(v.string(), v.maxLength(64)),
  credential: AuthenticationCredentialSchema,
});
/** Body of `POST /api/auth/passkey/login/verify`. */
export type PasskeyLoginVerifyRequest = v.InferOutput<typeof PasskeyLoginVerifyRequestSchema>;
