import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import {
  ACCOUNT_THROTTLE,
  ADDRESS_THROTTLE,
  PAIR_THROTTLE,
  recordFailure,
  signInThrottle,
  throttleWaitMs,
  type ThrottleState,
} from '../src/accounts/throttle';
import { api, signUp, TEST_PASSWORD } from './support/accounts';

/** Fails `count` times at `now`, as the directory does. */
function failMany(count: number, now: number, start?: ThrottleState): ThrottleState | undefined {
  let state = start;
  for (let i = 0; i < count; i++) state = recordFailure(state, PAIR_THROTTLE, now);
  return state;
}

describe('sign-in throttle (pure, fake clock)', () => {
  it('[A6] from one address, an account’s first five failures are free; then the wait doubles from 1 s', () => {
    const now = 1_000_000;
    expect(throttleWaitMs(undefined, PAIR_THROTTLE, now)).toBe(0);
    expect(throttleWaitMs(failMany(4, now), PAIR_THROTTLE, now)).toBe(0);
    expect(throttleWaitMs(failMany(5, now), PAIR_THROTTLE, now)).toBe(1000);
    expect(throttleWaitMs(failMany(6, now), PAIR_THROTTLE, now)).toBe(2000);
    expect(throttleWaitMs(failMany(9, now), PAIR_THROTTLE, now)).toBe(16_000);
    // The wait runs from the last failure.
    expect(throttleWaitMs(failMany(6, now), PAIR_THROTTLE, now + 1500)).toBe(500);
    expect(throttleWaitMs(failMany(6, now), PAIR_THROTTLE, now + 2000)).toBe(0);
  });

  it('[A6] ten failures refuse the key for 15 minutes, after which it starts clean', () => {
    const now = 5_000_000;
    const locked = failMany(10, now);
    expect(throttleWaitMs(locked, PAIR_THROTTLE, now)).toBe(15 * 60_000);
    expect(throttleWaitMs(locked, PAIR_THROTTLE, now + 15 * 60_000 - 1)).toBe(1);
    expect(throttleWaitMs(locked, PAIR_THROTTLE, now + 15 * 60_000)).toBe(0);
    expect(recordFailure(locked, PAIR_THROTTLE, now + 15 * 60_000)).toEqual({
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

  it('[A10] failures on an account from all addresses together slow it down, never lock it for more than a minute', () => {
    let state: ThrottleState | undefined;
    for (let i = 0; i < 20; i++) state = recordFailure(state, ACCOUNT_THROTTLE, 0);
    expect(throttleWaitMs(state, ACCOUNT_THROTTLE, 0)).toBe(1000);
    for (let i = 0; i < 1000; i++) state = recordFailure(state, ACCOUNT_THROTTLE, 0);
    expect(throttleWaitMs(state, ACCOUNT_THROTTLE, 0)).toBe(60_000);
  });
});

const directoryStub = () => env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory'));

// Every request in this runtime comes from the one local address (A12): start each test clean.
beforeEach(async () => {
  await runInDurableObject(directoryStub(), (_instance, state) => {
    state.storage.sql.exec('DELETE FROM throttle');
  });
});

/** One password attempt from `address` as the sign-in route makes it (keys and all), failed or not. */
async function attempt(address: string, username: string, succeeds = false) {
  return runInDurableObject(directoryStub(), (instance) => {
    const throttle = signInThrottle(address, username);
    const begun = instance.beginAttempt(throttle.keys);
    if (begun.ok && succeeds) instance.forgiveAttempt(throttle.clear, throttle.giveBack);
    return begun;
  });
}

describe('sign-in throttle per address and account (the directory, as deployed behind the edge)', () => {
  it('[A10] ten wrong passwords from one address shut out that address only: the owner elsewhere signs in', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('198.51.100.1', 'bob')).ok).toBe(true);
    // As if five more had been spaced out past their waits.
    await throttleRow('pair:198.51.100.1|bob', 10);
    const guesser = await attempt('198.51.100.1', 'bob');
    expect(guesser).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    if (!guesser.ok) expect(guesser.retryAfterMs).toBeGreaterThan(14 * 60_000);
    expect(await attempt('203.0.113.5', 'bob', true)).toMatchObject({ ok: true });
  });

  it('[A10] guessers from many addresses slow the account down, but its owner waits at most a minute', async () => {
    for (let a = 0; a < 40; a++) {
      for (let i = 0; i < 5; i++) await attempt(`198.51.100.${a}`, 'carol');
    }
    const owner = await attempt('203.0.113.9', 'carol');
    expect(owner).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    if (!owner.ok) expect(owner.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

async function signIn(username: string, password: string, ip = '192.0.2.1') {
  return api('/api/auth/sign-in', {
    method: 'POST',
    json: { username, password },
    headers: { 'cf-connecting-ip': ip },
  });
}

/** Reads and rewrites a throttle row in the directory (to skip waiting real seconds). */
async function throttleRow(key: string, failures?: number): Promise<number | undefined> {
  return runInDurableObject(directoryStub(), (_instance, state) => {
    if (failures !== undefined)
      state.storage.sql.exec('UPDATE throttle SET failures = ? WHERE key = ?', failures, key);
    return state.storage.sql
      .exec<{ failures: number }>('SELECT failures FROM throttle WHERE key = ?', key)
      .toArray()[0]?.failures;
  });
}

describe('sign-in throttle (through the API)', () => {
  it('[A12] locally a client-sent CF-Connecting-IP is not trusted: changing it does not escape the address limit', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await signIn(`nobody-${i}`, 'wrong-password', `198.51.100.${i}`)).status).toBe(401);
    }
    expect(await throttleRow('addr:local')).toBe(20);
    const refused = await signIn('nobody-else', 'wrong-password', '198.51.100.200');
    expect(refused.status).toBe(429);
    expect(v.parse(ErrorBodySchema, await refused.json()).code).toBe('RATE_LIMITED');
  });

  it('[A6] failures on one account are counted, then refused with RATE_LIMITED and retryAfterMs, even with the right password', async () => {
    const { username } = await signUp();
    for (let i = 0; i < 5; i++) expect((await signIn(username, 'wrong-password')).status).toBe(401);
    expect(await throttleRow(`pair:local|${username}`)).toBe(5);
    expect(await throttleRow(`acct:${username}`)).toBe(5);
    // As if four more failures had been spaced out: the next attempt must wait 16 s.
    await throttleRow(`pair:local|${username}`, 9);
    const refused = await signIn(username, TEST_PASSWORD);
    expect(refused.status).toBe(429);
    const body = v.parse(ErrorBodySchema, await refused.json());
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.retryAfterMs).toBeGreaterThan(0);
    expect(body.retryAfterMs).toBeLessThanOrEqual(16_000);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A refused attempt checks nothing and counts nothing.
    expect(await throttleRow(`pair:local|${username}`)).toBe(9);
  });

  it('[A6] a successful sign-in clears its own count and gives back one failure elsewhere', async () => {
    const { username } = await signUp();
    for (let i = 0; i < 4; i++) await signIn(username, 'wrong-password');
    expect(await throttleRow(`pair:local|${username}`)).toBe(4);
    expect((await signIn(username, TEST_PASSWORD)).status).toBe(200);
    expect(await throttleRow(`pair:local|${username}`)).toBeUndefined();
    expect(await throttleRow(`acct:${username}`)).toBe(4);
  });
});

describe('username-revealing routes (A11)', () => {
  it('[A11] sign-up and passkey registration options answer USERNAME_TAKEN ten times per address, then RATE_LIMITED', async () => {
    const { username } = await signUp();
    for (let i = 0; i < 10; i++) {
      const taken =
        i % 2 === 0
          ? await api('/api/auth/sign-up', { method: 'POST', json: { username, password: TEST_PASSWORD } })
          : await api('/api/auth/passkey/register/options', { method: 'POST', json: { username } });
      expect(taken.status).toBe(409);
      expect(v.parse(ErrorBodySchema, await taken.json()).code).toBe('USERNAME_TAKEN');
    }
    for (const res of [
      await api('/api/auth/sign-up', { method: 'POST', json: { username, password: TEST_PASSWORD } }),
      await api('/api/auth/passkey/register/options', { method: 'POST', json: { username } }),
    ]) {
      expect(res.status).toBe(429);
      expect(v.parse(ErrorBodySchema, await res.json())).toMatchObject({ code: 'RATE_LIMITED' });
    }
  });

  it('[A11] sign-ups with free names do not count against the address', async () => {
    for (let i = 0; i < 15; i++) await signUp();
    expect(await throttleRow('probe:local')).toBe(0);
  });
});
