import type { Context } from 'hono';
import { unwrap } from '../http/api-error';
import { probeThrottle } from '../accounts/throttle';
import { directory } from '../auth/session';
import type { AppEnv, Env } from '../env';

/**
 * The client's address for throttles (A12). Only Cloudflare's edge guarantees `CF-Connecting-IP`
 * (it sets it and overwrites what a client sent); `wrangler dev` and the test runtime pass a
 * client-sent one through. So it is trusted only where the deployment says it runs behind the edge
 * (`CLIENT_IP_SOURCE = "cf-connecting-ip"`, set by `npm run deploy`); elsewhere every caller
 * shares one fixed address.
 */
export function clientAddress<E extends { Bindings: Env }>(c: Context<E>): string {
  const trusted = c.env.CLIENT_IP_SOURCE === 'cf-connecting-ip';
  return (trusted ? c.req.header('cf-connecting-ip') : undefined) ?? 'local';
}

/**
 * Runs `attempt` under the address's limit on username-revealing answers (A11): every try counts
 * up front (parallel probes cannot slip through), and one that did not reveal a taken name is
 * given back.
 */
export async function probeLimited<T>(c: Context<AppEnv>, attempt: () => Promise<T>): Promise<T> {
  const dir = directory(c.env);
  const key = probeThrottle(clientAddress(c));
  unwrap(await dir.beginAttempt([key], 'tries with usernames that are taken'));
  const result = await attempt();
  await dir.forgiveAttempt([], [key.key]);
  return result;
}
