import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import {
  ACCOUNT_THROTTLE,
  ADDRESS_THROTTLE,
  recordFailure,
  throttleWaitMs,
  type ThrottleState,
} from '../src/accounts/throttle';
import { api, signUp, TEST_PASSWORD } from './support/accounts';

/** Fails `count` times at `now`, as the directory does. */
function failMany(count: number, now: number, start?: ThrottleState): ThrottleState | undefined {
  let state = start;
  for (let i = 0; i < count; i++) state = recordFailure(state, ACCOUNT_THROTTLE, now);
  return state;
}

describe('sign-in throttle (pure, fake clock)', () => {
  it('[A6] the first five failures are free; then the wait doubles from 1 s', () => {
    const now = 1_000_000;
    expect(throttleWaitMs(undefined, ACCOUNT_THROTTLE, now)).toBe(0);
    expect(throttleWaitMs(failMany(4, now), ACCOUNT_THROTTLE, now)).toBe(0);
    expect(throttleWaitMs(failMany(5, now), ACCOUNT_THROTTLE, now)).toBe(1000);
    expect(throttleWaitMs(failMany(6, now), ACCOUNT_THROTTLE, now)).toBe(2000);
    expect(throttleWaitMs(failMany(9, now), ACCOUNT_THROTTLE, now)).toBe(16_000);
    // The wait runs from the last failure.
    expect(throttleWaitMs(failMany(6, now), ACCOUNT_THROTTLE, now + 1500)).toBe(500);
    expect(throttleWaitMs(failMany(6, now), ACCOUNT_THROTTLE, now + 2000)).toBe(0);
  });

  it('[A6] ten failures refuse the key for 15 minutes, after which it starts clean', () => {
    const now = 5_000_000;
    const locked = failMany(10, now);
    expect(throttleWaitMs(locked, ACCOUNT_THROTTLE, now)).toBe(15 * 60_000);
    expect(throttleWaitMs(locked, ACCOUNT_THROTTLE, now + 15 * 60_000 - 1)).toBe(1);
    expect(throttleWaitMs(locked, ACCOUNT_THROTTLE, now + 15 * 60_000)).toBe(0);
    expect(recordFailure(locked, ACCOUNT_THROTTLE, now + 15 * 60_000)).toEqual({
      failures: 1,
      lastFailureAt: now + 15 * 60_000,
    });
  });

  it('[A6] a client address is allowed more failures than an account (many people share one)', () => {
    let state: ThrottleState | undefined;
    for (let i = 0; i < 20; i++) state = recordFailure(state, ADDRESS_THROTTLE, 0);
    expect(throttleWaitMs(state, ADDRESS_THROTTLE, 0)).toBe(1000);
    for (let i = 0; i < 30; i++) state = recordFailure(state, ADDRESS_THROTTLE, 0);
    expect(throttleWaitMs(state, ADDRESS_THROTTLE, 0)).toBe(15 * 60_000);
  });
});

async function signIn(username: string, password: string, ip: string) {
  return api('/api/auth/sign-in', {
    method: 'POST',
    json: { username, password },
    headers: { 'cf-connecting-ip': ip },
  });
}

/** Reads and rewrites a throttle row in the directory (to skip waiting real seconds). */
async function throttleRow(key: string, failures?: number): Promise<number | undefined> {
  const stub = env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory'));
  return runInDurableObject(stub, (_instance, state) => {
    if (failures !== undefined)
      state.storage.sql.exec('UPDATE throttle SET failures = ? WHERE key = ?', failures, key);
    return state.storage.sql
      .exec<{ failures: number }>('SELECT failures FROM throttle WHERE key = ?', key)
      .toArray()[0]?.failures;
  });
}

describe('sign-in throttle (through the API)', () => {
  it('[A6] failures on one account are counted, then refused with RATE_LIMITED and retryAfterMs, even with the right password', async () => {
    const { username } = await signUp();
    for (let i = 0; i < 5; i++) {
      // Each from a different address: only the account's count grows.
      expect((await signIn(username, 'wrong-password', `198.51.100.${i}`)).status).toBe(401);
    }
    expect(await throttleRow(`acct:${username}`)).toBe(5);
    // As if four more failures had been spaced out: the next attempt must wait 16 s.
    await throttleRow(`acct:${username}`, 9);
    const refused = await signIn(username, TEST_PASSWORD, '198.51.100.99');
    expect(refused.status).toBe(429);
    const body = v.parse(ErrorBodySchema, await refused.json());
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.retryAfterMs).toBeGreaterThan(0);
    expect(body.retryAfterMs).toBeLessThanOrEqual(16_000);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A refused attempt checks nothing and counts nothing.
    expect(await throttleRow(`acct:${username}`)).toBe(9);
  });

  it('[A6] failures from one address across many accounts are refused per address', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 20; i++) {
      expect((await signIn(`nobody-${i}`, 'wrong-password', ip)).status).toBe(401);
    }
    expect(await throttleRow(`addr:${ip}`)).toBe(20);
    await throttleRow(`addr:${ip}`, 50);
    const { username } = await signUp();
    const refused = await signIn(username, TEST_PASSWORD, ip);
    expect(refused.status).toBe(429);
    expect(v.parse(ErrorBodySchema, await refused.json()).retryAfterMs).toBeGreaterThan(14 * 60_000);
    // Another address is not affected.
    expect((await signIn(username, TEST_PASSWORD, '192.0.2.78')).status).toBe(200);
  });

  it('[A6] a successful sign-in clears the account count', async () => {
    const { username } = await signUp();
    for (let i = 0; i < 4; i++) await signIn(username, 'wrong-password', `203.0.113.${10 + i}`);
    expect(await throttleRow(`acct:${username}`)).toBe(4);
    expect((await signIn(username, TEST_PASSWORD, '203.0.113.20')).status).toBe(200);
    expect(await throttleRow(`acct:${username}`)).toBeUndefined();
  });
});
