import * as v from 'valibot';
import { describe, expect, inject, it } from 'vitest';
import { LockHistoryResponseSchema, type LockHistoryEntry } from '#shared/locks/schemas';
import { LockClient, type HeldLock } from '../../web/src/lib/locks/lock-client';
import { apiClient, type TestUser } from '../support/api-client';
import { checkResource, checkServerHistory, GuardedResource } from './locks-checker';

const CLIENTS = 8;
const ROUNDS = 3;
const TTL_MS = 1_000;
/** Clients that sometimes stop (as in a long GC pause) past their lease, renewing nothing. */
const PAUSERS = new Set([1, 4, 6]);
const PAUSE_MS = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lockClientFor(baseUrl: string, spaceId: string, user: TestUser): LockClient {
  const origin = new URL(baseUrl).origin;
  const headers = { cookie: user.cookie, origin };
  // Node's WebSocket (undici) takes headers in its second argument; browsers send the cookie themselves.
  const openSocket = (url: string) => new WebSocket(url, { headers } as unknown as string[]);
  return new LockClient({ baseUrl, spaceId, headers, openSocket });
}

describe('lock history through the real server', () => {
  const api = apiClient(inject('baseUrl'));

  it('the checker finds violations in made-up bad histories', () => {
    expect(
      checkServerHistory([
        { kind: 'granted', token: 1 },
        { kind: 'granted', token: 2 },
      ]),
    ).toHaveLength(1);
    expect(
      checkServerHistory([
        { kind: 'granted', token: 2 },
        { kind: 'released', token: 2 },
        { kind: 'granted', token: 2 },
      ]),
    ).toHaveLength(1);
    const unfenced = new GuardedResource(false);
    unfenced.write('a', 1, 'begin', false);
    unfenced.write('b', 2, 'begin', false);
    unfenced.write('a', 1, 'end', true);
    expect(checkResource(unfenced.log)).toHaveLength(1);
  });

  it('[L1][L3] 8 clients with 1 s leases, some pausing past them: fenced writes stay ordered; without fencing the checker sees the stale holder', async () => {
    const owner = await api.signUp();
    const { spaceId } = await api.createSpace(owner.cookie, 'Lock history');
    const users = await Promise.all(
      Array.from({ length: CLIENTS }, () => api.addMember(owner.cookie, spaceId, 'editor')),
    );
    const name = 'designs/contended.psd';
    // One run, two views of the same writes: a resource that fences by token, and one that does not.
    const fenced = new GuardedResource(true);
    const unfenced = new GuardedResource(false);
    const tokensSeen: number[] = [];
    const losses: string[] = [];

    async function clientLoop(index: number): Promise<void> {
      const client = lockClientFor(api.baseUrl, spaceId, users[index]!);
      const id = `client-${index}`;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const pausing = PAUSERS.has(index) && round !== 1;
          const outcome = await client.acquire(name, { ttlMs: TTL_MS, waitMs: 45_000, autoRenew: !pausing });
          if (outcome.status !== 'granted') throw new Error(`${id} got ${outcome.status}`);
          const lock: HeldLock = outcome.lock;
          tokensSeen.push(lock.token);
          lock.onLost((reason) => losses.push(`${id}:${lock.token}:${reason}`));
          // A write is "stale" when the writer's own lease had run out (the lock client's local
          // view, timed from when it asked). Pausers write anyway, as a paused process would.
          fenced.write(id, lock.token, 'begin', !lock.held);
          unfenced.write(id, lock.token, 'begin', !lock.held);
          await sleep(pausing ? PAUSE_MS : 500 + Math.floor(Math.random() * 300));
          fenced.write(id, lock.token, 'end', !lock.held);
          unfenced.write(id, lock.token, 'end', !lock.held);
          await lock.release();
        }
      } finally {
        client.close();
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => clientLoop(i)));

    // The server's own history (L10), read through the API.
    const entries: LockHistoryEntry[] = [];
    for (let after = 0; ;) {
      const res = await api.api(
        `/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}/history?after=${after}`,
        { cookie: owner.cookie },
      );
      const page = v.parse(LockHistoryResponseSchema, await res.json());
      entries.push(...page.entries);
      if (page.next === null) break;
      after = page.next;
    }
    const grants = entries.filter((e) => e.kind === 'granted').map((e) => e.token);
    // Every grant a client saw is in the server's history, once. (The server may hold a few more:
    // a grant whose client had dropped its socket — wrangler dev reloads on file changes — ends
    // unseen, and the client asks anew, L9.)
    expect(grants.length).toBeGreaterThanOrEqual(CLIENTS * ROUNDS);
    expect(new Set(tokensSeen).size).toBe(tokensSeen.length);
    expect(tokensSeen.filter((token) => !grants.includes(token))).toEqual([]);
    expect(checkServerHistory(entries)).toEqual([]);
    expect(entries.filter((e) => e.kind === 'expired').length).toBeGreaterThan(0);

    // With fencing: no violation, and only the stale holders were refused.
    expect(checkResource(fenced.log)).toEqual([]);
    expect(fenced.log.filter((w) => !w.accepted).length).toBeGreaterThan(0);
    // Each pause past the lease was signalled to its client as a loss.
    expect(losses.filter((l) => l.endsWith(':expired')).length).toBeGreaterThan(0);
    // Without fencing, the same run breaks L1 as the resource sees it: the checker can fail.
    expect(checkResource(unfenced.log).length).toBeGreaterThan(0);
  }, 180_000);
});
