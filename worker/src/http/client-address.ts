import type { Context } from 'hono';
import type { Env } from '../env';

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
