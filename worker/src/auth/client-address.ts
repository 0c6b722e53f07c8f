import type { Context } from 'hono';

/**
 * The throttle key of the caller's address (`CF-Connecting-IP`). Locally there is no such
 * header; every caller then shares one fixed address key. Sign-in and app passwords share it.
 */
export function clientAddressKey(c: Context): string {
  return `addr:${c.req.header('cf-connecting-ip') ?? 'local'}`;
}
