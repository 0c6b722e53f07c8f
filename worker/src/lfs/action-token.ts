import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from '../kernel/crypto';

/**
 * The short-lived authorization of one LFS transfer action (G3): what it allows (upload or
 * download of one object of one size, by one user under one app password), until when, signed
 * with the space's own key (HMAC-SHA-256). The role is asked of the space again when it is used.
 */
export interface ActionGrant {
  spaceId: string;
  userId: string;
  username: string;
  appPasswordId: string;
  /** The app password's access, so that a read-only password stays read-only here too. */
  access: 'read' | 'write';
  op: 'upload' | 'download';
  oid: string;
  size: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const GrantSchema = v.object({
  spaceId: v.string(),
  userId: v.string(),
  username: v.string(),
  appPasswordId: v.string(),
  access: v.picklist(['read', 'write']),
  op: v.picklist(['upload', 'download']),
  oid: v.string(),
  size: v.number(),
  expiresAt: v.number(),
});

const PREFIX = 'lfs1.';

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

/** `lfs1.<payload>.<signature>`, both base64url. */
export async function signAction(grant: ActionGrant, secret: string): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(grant)));
  const signature = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(payload),
  );
  return `${PREFIX}${payload}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The space a token claims to be for (read before its key is fetched), or null when malformed. */
export function claimedSpace(token: string): string | null {
  return readPayload(token)?.spaceId ?? null;
}

/** The grant a token carries if its signature is good and it has not expired at `now`; else null. */
export async function verifyAction(token: string, secret: string, now: number): Promise<ActionGrant | null> {
  const grant = readPayload(token);
  if (!grant) return null;
  const [payload = '', signature = ''] = token.slice(PREFIX.length).split('.');
  let ok = false;
  try {
    ok = await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret),
      fromBase64Url(signature),
      new TextEncoder().encode(payload),
    );
  } catch {
    return null;
  }
  return ok && grant.expiresAt > now ? grant : null;
}

function readPayload(token: string): ActionGrant | null {
  if (!token.startsWith(PREFIX)) return null;
  const parts = token.slice(PREFIX.length).split('.');
  if (parts.length !== 2) return null;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[0] ?? '')));
    const parsed = v.safeParse(GrantSchema, json);
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}
