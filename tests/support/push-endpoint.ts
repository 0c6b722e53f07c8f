import { createServer, type Server } from 'node:http';

// A stand-in for a push service (RFC 8030) on this machine, and a subscriber's side of RFC 8291:
// the test makes the subscription's P-256 key pair and 16-byte auth secret, so it can decrypt
// what the server sends with a real `aes128gcm` round trip.

const subtle = crypto.subtle;
const enc = new TextEncoder();
type Bytes = Uint8Array<ArrayBuffer>;

/** One message the endpoint received. */
export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Bytes;
}

/** A local RFC 8030 endpoint: records every POST and answers `statusFor(path)` (201 by default). */
export async function startPushEndpoint(statusFor: (path: string) => number = () => 201): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: new Uint8Array(Buffer.concat(chunks)) });
      res.writeHead(statusFor(path)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** A subscriber's keys: what a browser's PushSubscription holds. */
export interface SubscriberKeys {
  privateKey: CryptoKey;
  publicKey: Bytes;
  auth: Bytes;
  /** `keys` of PushSubscription.toJSON(). */
  json: { p256dh: string; auth: string };
}

export async function subscriberKeys(): Promise<SubscriberKeys> {
  const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    privateKey: pair.privateKey,
    publicKey,
    auth,
    json: { p256dh: b64url(publicKey), auth: b64url(auth) },
  };
}

async function hmac(key: Bytes, data: Bytes): Promise<Bytes> {
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

const concat = (...parts: Uint8Array[]): Bytes => new Uint8Array(Buffer.concat(parts));

/** Decrypts an RFC 8291 `aes128gcm` message (one record, RFC 8188 header) with the subscriber's keys. */
export async function decryptPush(body: Bytes, keys: SubscriberKeys): Promise<string> {
  const salt = body.slice(0, 16);
  const idLength = body[20] ?? 0;
  const serverPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  const serverKey = await subtle.importKey(
    'raw',
    serverPublic,
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    await subtle.deriveBits({ name: 'ECDH', public: serverKey }, keys.privateKey, 256),
  );
  // RFC 8291 §3.4: IKM from the auth secret, then RFC 8188's key and nonce from the salt.
  const prkKey = await hmac(keys.auth, ecdhSecret);
  const keyInfo = concat(enc.encode('WebPush: info\0'), keys.publicKey, serverPublic, new Uint8Array([1]));
  const ikm = (await hmac(prkKey, keyInfo)).slice(0, 32);
  const prk = await hmac(salt, ikm);
  const cek = (
    await hmac(prk, concat(enc.encode('Content-Encoding: aes128gcm\0'), new Uint8Array([1])))
  ).slice(0, 16);
  const nonce = (await hmac(prk, concat(enc.encode('Content-Encoding: nonce\0'), new Uint8Array([1])))).slice(
    0,
    12,
  );
  const aes = await subtle.importKey('raw', cek, { name: 'AES-GCM' }, false, ['decrypt']);
  const padded = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce }, aes, ciphertext));
  // The last record ends with the delimiter 0x02, followed only by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return new TextDecoder().decode(padded.slice(0, end));
}

/** Checks an RFC 8292 VAPID `Authorization: vapid t=<JWT>, k=<key>` header: the JWT's ES256 signature by `publicKey`. */
export async function verifyVapid(header: string, publicKey: string): Promise<Record<string, unknown>> {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(header);
  if (!match?.[1] || match[2] !== publicKey) throw new Error(`unexpected authorization ${header}`);
  const [head = '', claims = '', signature = ''] = match[1].split('.');
  const key = await subtle.importKey(
    'raw',
    Buffer.from(publicKey, 'base64url'),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const valid = await subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    Buffer.from(signature, 'base64url'),
    enc.encode(`${head}.${claims}`),
  );
  if (!valid) throw new Error('VAPID signature does not verify');
  return JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
}
