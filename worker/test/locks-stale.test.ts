import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { LockHistoryResponseSchema, LockListResponseSchema } from '#shared/locks/schemas';
import { NoticeListResponseSchema } from '#shared/notices/schemas';
import { api } from './support/accounts';
import { clientId, mutation, push } from './support/sync';
import { checkoutToken, lockPath, lockStub, post, spaceWithPeople, type Person } from './locks-support';

// Stale checkouts (L31) through the real routes and objects. The lock's clock is the runtime's, so
// "8 days later" is made by moving the stored past back: the grant and the ask, as persisted.

let owner: Person;
let ana: Person; // holds
let bob: Person; // asks
let viewer: Person;
let spaceId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  ({ spaceId, owner, ana, bob, viewer } = await spaceWithPeople());
});

const checkout = (person: Person, name: string) => checkoutToken(person.cookie, spaceId, name);

/** Moves the lock's stored grant and asks `days` into the past, then restarts its object. */
async function age(name: string, days: number): Promise<void> {
  await runInDurableObject(lockStub(spaceId, name), (_instance, ctx) => {
    const row = ctx.storage.sql.exec<{ state: string }>('SELECT state FROM lock_state').one();
    const state = JSON.parse(row.state) as {
      holder: { grantedAt: number };
      asks: { at: number }[];
    };
    state.holder.grantedAt -= days * DAY;
    for (const ask of state.asks) ask.at -= days * DAY;
    ctx.storage.sql.exec('UPDATE lock_state SET state = ?', JSON.stringify(state));
  });
  await evictDurableObject(lockStub(spaceId, name));
}

async function list() {
  const res = await api(`/api/spaces/${spaceId}/locks`, { cookie: bob.cookie });
  return v.parse(LockListResponseSchema, await res.json());
}

describe('stale checkouts', () => {
  it('[L31] owners set the rule (default 7 days); others cannot; bad values change nothing', async () => {
    expect((await list()).staleAfterDays).toBe(7);
    const rules = (cookie: string, json: unknown) =>
      api(`/api/spaces/${spaceId}/locks-rules`, { method: 'PUT', cookie, json });
    expect((await rules(ana.cookie, { staleAfterDays: 3 })).status).toBe(403);
    expect((await rules(owner.cookie, { staleAfterDays: 0 })).status).toBe(400);
    expect((await rules(owner.cookie, { staleAfterDays: 366 })).status).toBe(400);
    expect((await list()).staleAfterDays).toBe(7);
    expect((await rules(owner.cookie, { staleAfterDays: 5 })).status).toBe(200);
    expect((await list()).staleAfterDays).toBe(5);
  });

  it("[L31] after the rule's days without activity and 24 h without an answer, the asker takes it; the holder is told", async () => {
    const name = 'report.md';
    const token = await checkout(ana, name);
    expect((await post(bob.cookie, spaceId, name, 'take-stale', {})).body).toMatchObject({
      code: 'CONFLICT',
    });
    await post(bob.cookie, spaceId, name, 'ask', { message: 'are you still on it?' });
    await age(name, 4);
    // Four days: not stale under a five-day rule.
    expect((await post(bob.cookie, spaceId, name, 'take-stale', {})).body).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('not stale') as string,
    });
    expect((await post(viewer.cookie, spaceId, name, 'take-stale', {})).status).toBe(403);
    await age(name, 2);
    const taken = await post(bob.cookie, spaceId, name, 'take-stale', {});
    expect(taken).toMatchObject({ status: 200, body: { token: token + 1 } });
    const lock = (await list()).locks.find((l) => l.name === name);
    expect(lock?.holder).toMatchObject({ username: bob.username, kind: 'checkout' });
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, name, 'history'), { cookie: bob.cookie })).json(),
    );
    expect(history.entries.find((e) => e.kind === 'broken')).toMatchObject({
      username: bob.username,
      detail: `took the stale checkout of ${ana.username}: no activity for 6 days and no answer to ${bob.username}'s ask`,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const told = v.parse(
      NoticeListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/notices`, { cookie: ana.cookie })).json(),
    );
    expect(told.notices.find((n) => n.kind === 'taken')).toMatchObject({ lock: name, from: bob.username });
  });

  it('[L31] a write under the check-out is activity: the list shows it and it keeps the check-out', async () => {
    const itemId = 'stale-item';
    const token = await checkout(ana, itemId);
    await post(bob.cookie, spaceId, itemId, 'ask', {});
    const client = clientId();
    const res = await push(ana.cookie, spaceId, client, [
      mutation(client, itemId, { title: 'Plan' }, { lock: { name: itemId, token } }),
    ]);
    expect(res.results[0]).toMatchObject({ status: 'applied' });
    const listed = (await list()).locks.find((l) => l.name === itemId);
    expect(listed?.activeAt).toBeGreaterThan(Date.now() - 60_000);
    await age(itemId, 30);
    expect((await post(bob.cookie, spaceId, itemId, 'take-stale', {})).body).toMatchObject({
      code: 'CONFLICT',
    });
  });
});
