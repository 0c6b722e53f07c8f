import { Hono } from 'hono';
import type { HealthResponse } from '#shared/health';
import { APP_VERSION, PROTOCOL_VERSION } from '#shared/version';
import type { AppEnv } from '../env';

/** `GET /api/health` */
export const healthRoutes = new Hono<AppEnv>().get('/health', (c) => {
  const body: HealthResponse = { ok: true, version: APP_VERSION, protocol: PROTOCOL_VERSION };
  return c.json(body, 200, { 'cache-control': 'no-store' });
});
