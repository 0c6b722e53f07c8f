import { createMiddleware } from 'hono/factory';
import { publicOrigin } from '../config';
import type { AppEnv } from '../env';
import { ApiError } from '../http/api-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the API: a state-changing request (any method but GET, HEAD, OPTIONS) must
 * carry an `Origin` header equal to the API's own (public) origin; browsers always send it on such
 * requests. A WebSocket upgrade that carries a foreign `Origin` is refused too (a missing one is
 * allowed: only non-browser clients omit it, and they cannot borrow a browser's cookie).
 */
export const checkOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header('origin');
  const own = publicOrigin(c.env, c.req.url);
  const isUpgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket';
  if (!SAFE_METHODS.has(c.req.method) && origin !== own) {
    throw new ApiError(
      'BAD_ORIGIN',
      origin ? `Requests from ${origin} are not accepted.` : 'This request needs an Origin header.',
    );
  }
  if (isUpgrade && origin !== undefined && origin !== own) {
    throw new ApiError('BAD_ORIGIN', `WebSocket connections from ${origin} are not accepted.`);
  }
  await next();
});
