import type { Context } from 'hono';
import { unwrap } from '../http/api-error';
import { probeThrottle } from '../accounts/throttle';
import { directory } from '../objects/stubs';
import type { AppEnv } from '../env';
import { clientAddress } from '../http/client-address';

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
