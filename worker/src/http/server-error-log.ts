import type { MiddlewareHandler } from 'hono';

/**
 * The start of the log line written for every 5xx the Worker answers. Operators grep for it, and
 * the test harness fails a run on any such line a test did not declare (tests/support/server-errors.ts).
 */
export const SERVER_ERROR_LOG_PREFIX = 'baton: answered';

/** Logs one line per 5xx answer (status, method, path), whatever produced it. */
export const logServerErrors: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status >= 500)
    console.error(
      `${SERVER_ERROR_LOG_PREFIX} ${c.res.status} to ${c.req.method} ${new URL(c.req.url).pathname}`,
    );
};
