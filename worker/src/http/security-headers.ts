import type { MiddlewareHandler } from 'hono';

/**
 * The app's Content-Security-Policy: no inline script, no third-party origins, no framing.
 * `connect-src 'self'` also covers the same-origin WebSocket (CSP Level 3).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The file-hashing Web Worker compiles hash-wasm's WebAssembly SHA-256, which CSP allows only with
 * `'wasm-unsafe-eval'`. A dedicated worker is governed by its own script response's policy
 * (https://www.w3.org/TR/CSP3/#initialize-global-object-csp), so only that script gets it; the
 * page keeps the stricter policy.
 */
const HASH_WORKER_PATH = /^\/assets\/hash\.worker-[\w-]+\.js$/;
export const HASH_WORKER_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "script-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
);

const HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Sets the security headers on every response, unless a route chose a stricter policy itself. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  // A WebSocket upgrade response (101) carries an immutable socket; headers do not apply.
  if (c.res.status === 101) return;
  // Responses from bindings (assets, R2) can have immutable headers: copy before editing.
  const response = new Response(c.res.body, c.res);
  if (HASH_WORKER_PATH.test(c.req.path)) {
    response.headers.set('content-security-policy', HASH_WORKER_CONTENT_SECURITY_POLICY);
  }
  for (const [name, value] of Object.entries(HEADERS)) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  c.res = response;
};
