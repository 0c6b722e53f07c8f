import { buildPushPayload } from '@block65/webcrypto-web-push';
import type { PushPayload } from '#shared/notices/schemas';

/** The server's VAPID key pair (RFC 8292): the public key as an uncompressed P-256 point, the private scalar `d`, both base64url. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** One device's push subscription as stored (RFC 8030 endpoint, RFC 8291 keys). */
export interface StoredSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What sending did: delivered to the push service, the subscription is gone (drop it), or a failure to retry later. */
export type PushResult = 'sent' | 'gone' | 'failed';

/** How long a push service keeps a message for a device that is away (RFC 8030 TTL), in seconds. */
const PUSH_TTL_S = 24 * 3600;

const LOCAL_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether the server may send to `endpoint`: an https URL on a public host. With `allowLocal`
 * (tests and a self-hosted server without a push service) also http(s) on this machine.
 */
export function pushEndpointAllowed(endpoint: string, allowLocal: boolean): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (local) return allowLocal && (url.protocol === 'https:' || url.protocol === 'http:');
  // A push service is a public https host: no IP literals of private ranges, no single labels.
  if (url.protocol !== 'https:' || !url.hostname.includes('.')) return false;
  return (
    !/^(10|127|169\.254|192\.168|172\.(1[6-9]|2\d|3[01]))\./.test(url.hostname) &&
    !url.hostname.startsWith('[')
  );
}

/** Makes a VAPID key pair (ECDSA P-256) with WebCrypto. */
export async function makeVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  if (!jwk.d) throw new Error('WebCrypto exported a private key without d');
  return { publicKey: base64url(new Uint8Array(raw)), privateKey: jwk.d };
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * Sends one Web Push message (RFC 8030), its payload encrypted for the subscription (RFC 8291
 * `aes128gcm`, by @block65/webcrypto-web-push) and signed with the server's VAPID key (RFC 8292).
 * A 404 or 410 means the subscription is gone.
 */
export async function sendWebPush(
  subscription: StoredSubscription,
  payload: PushPayload,
  vapid: VapidKeys & { subject: string },
): Promise<PushResult> {
  const endpoint = new URL(subscription.endpoint);
  // The library signs for https push services only; a local endpoint (allowed only by
  // pushEndpointAllowed's allowLocal) is signed for its https twin and sent as it is.
  const signedFor = endpoint.protocol === 'http:' ? `https:${subscription.endpoint.slice(5)}` : endpoint.href;
  const request = await buildPushPayload(
    { data: payload, options: { ttl: PUSH_TTL_S, urgency: 'normal' } },
    {
      endpoint: signedFor,
      expirationTime: null,
      keys: { p256dh: subscription.p256dh, auth: subscription.auth },
    },
    { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
  );
  try {
    const res = await fetch(subscription.endpoint, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    await res.body?.cancel();
    if (res.status === 404 || res.status === 410) return 'gone';
    return res.ok ? 'sent' : 'failed';
  } catch {
    return 'failed';
  }
}
