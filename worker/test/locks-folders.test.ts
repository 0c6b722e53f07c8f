import { runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcquireResponseSchema, type AcquireResponse } from '#shared/locks/schemas';
import { addMember, createSpace, signUp } from './support/accounts';
import { clientId, mutation, pullAll, push } from './support/sync';
import { LockReservations } from '../src/space/lock-reservations';
import { post, rid, spaceStubOf } from './locks-support';

// Folder check-outs (L21–L23): a lock named `folder/` covers everything in the folder, conflicts
// with locks inside it and above it, is granted race-free through the space's reservations, and
// fences writes inside the folder.

let owner: { cookie: string; userId: string; username: string };
let alice: { cookie: string; userId: string; username: string };
let bob: { cookie: string; userId: string; username: string };
let spaceId: string;

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  alice = await addMember(owner.cookie, spaceId, 'editor');
  bob = await addMember(owner.cookie, spaceId, 'editor');
});

async function acquire(who: { cookie: string }, name: string, kind = 'checkout'): Promise<AcquireResponse> {
  const res = await post(who.cookie, spaceId, name, 'acquire', { requestId: rid(), kind });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return v.parse(AcquireResponseSchema, res.body);
}

async function release(who: { cookie: string }, name: string, token: number): Promise<void> {
  expect((await post(who.cookie, spaceId, name, 'release', { token })).status).toBe(200);
}

/** Makes a note in `folder` as `who` and answers its id. */
async function noteIn(who: { cookie: string }, folder: string, title: string): Promise<string> {
  const client = clientId();
  const itemId = `note${Math.random().toString(36).slice(2, 12)}`;
  const pushed = await push(who.cookie, spaceId, client, [mutation(client, itemId, { title, folder })]);
  expect(pushed.results[0]?.status).toBe('applied');
  return itemId;
}

describe('folder check-outs', () => {
  it('[L21] a folder check-out blocks check-outs of anything inside it and of folders above it, not beside it', async () => {
    const logo = await noteIn(owner, 'designs/2026', 'logo');
    const folder = await acquire(alice, 'designs/');
    expect(folder).toMatchObject({ status: 'granted', expiresAt: null });
    for (const inside of [logo, 'designs/2026/', 'designs/2026/poster.psd']) {
      expect(await acquire(bob, inside)).toMatchObject({
        status: 'busy',
        blockedBy: 'designs/',
        holder: { username: alice.username, kind: 'checkout', via: 'app' },
      });
    }
    // The same person is refused too: a check-out inside one's own folder would split its guard.
    expect(await acquire(alice, logo)).toMatchObject({ status: 'busy', blockedBy: 'designs/' });
    // A folder whose name merely starts the same is another folder.
    const beside = await acquire(bob, 'designs-old/');
    expect(beside.status).toBe('granted');
    if (folder.status !== 'granted' || beside.status !== 'granted') throw new Error('not granted');
    await release(alice, 'designs/', folder.token);
    await release(bob, 'designs-old/', beside.token);
    const after = await acquire(bob, logo);
    expect(after.status).toBe('granted');
    if (after.status === 'granted') await release(bob, logo, after.token);
  });

  it('[L21] a folder cannot be checked out while something inside it is, until that is released', async () => {
    const plan = await noteIn(owner, 'projects/alpha', 'plan');
    const item = await acquire(bob, plan, 'lease');
    if (item.status !== 'granted') throw new Error(item.status);
    for (const above of ['projects/', 'projects/alpha/']) {
      expect(await acquire(alice, above)).toMatchObject({
        status: 'busy',
        blockedBy: plan,
        holder: { username: bob.username },
      });
    }
    await release(bob, plan, item.token);
    // Answered releases free the place at once: the folder is granted on the next request.
    const folder = await acquire(alice, 'projects/');
    expect(folder.status).toBe('granted');
    if (folder.status === 'granted') await release(alice, 'projects/', folder.token);
  });

  it('[L22] 10 concurrent check-outs of a folder, its sub-folder and items inside it: exactly one is granted', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map((n) => noteIn(owner, 'race/inner', `item ${n}`)));
    const names = [
      'race/',
      'race/inner/',
      ...ids,
      'race/inner/file.bin',
      'race/',
      'race/inner/',
      ids[0] ?? '',
    ];
    expect(names).toHaveLength(10);
    const people = [alice, bob];
    const answers = await Promise.all(names.map((name, i) => acquire(people[i % 2] ?? alice, name)));
    const granted = answers.filter((a) => a.status === 'granted');
    expect(granted, JSON.stringify(answers)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 'granted')) expect(answer.status).toBe('busy');
  });

  it('[L23] an edit inside a checked-out folder from someone else is fenced and kept as a conflict copy', async () => {
    const brief = await noteIn(owner, 'handover', 'brief');
    const folder = await acquire(alice, 'handover/');
    if (folder.status !== 'granted') throw new Error(folder.status);
    const client = clientId();
    const refused = await push(bob.cookie, spaceId, client, [
      mutation(client, brief, { title: 'bob was here' }),
      mutation(client, `new${Math.random().toString(36).slice(2, 10)}`, { title: 'new', folder: 'handover' }),
    ]);
    expect(refused.results.map((r) => r.status === 'rejected' && r.code)).toEqual(['FENCED', 'FENCED']);
    const first = refused.results[0];
    expect(first?.status === 'rejected' && first.message).toContain('The folder "handover/" is checked out');
    expect(first?.status === 'rejected' && first.copies).toHaveLength(1);
    // Moving an item into the folder is a write inside it too.
    const outside = await noteIn(bob, 'elsewhere', 'outside');
    const moved = await push(bob.cookie, spaceId, client, [
      mutation(client, outside, { folder: 'handover' }),
    ]);
    expect(moved.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
    // The holder writes, with the folder's token or without one.
    const own = clientId();
    const mine = await push(alice.cookie, spaceId, own, [
      mutation(
        own,
        brief,
        { title: 'alice, with the token' },
        { lock: { name: 'handover/', token: folder.token } },
      ),
      mutation(own, brief, { body: 'without one' }),
    ]);
    expect(mine.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const { changes } = await pullAll(owner.cookie, spaceId);
    const stored = changes.filter((c) => c.item.id === brief).at(-1)?.item;
    expect(stored?.fields.title?.v).toBe('alice, with the token');
    // A claim naming a folder that does not hold the item is no claim (L15).
    const wrong = await push(alice.cookie, spaceId, own, [
      mutation(own, brief, { title: 'x' }, { lock: { name: 'designs/', token: folder.token } }),
    ]);
    expect(wrong.results[0]).toMatchObject({ status: 'rejected', code: 'LOCK_CLAIM_INVALID' });
    await release(alice, 'handover/', folder.token);
    const free = await push(bob.cookie, spaceId, client, [mutation(client, brief, { title: 'bob, later' })]);
    expect(free.results[0]?.status).toBe('applied');
  });

  it('[L22] a lock about to be granted holds its place even when its last holder’s lease ran out long ago', async () => {
    const answers = await runInDurableObject(spaceStubOf(spaceId), (_instance, ctx) => {
      const now = Date.now();
      const reservations = new LockReservations(
        ctx.storage.sql,
        () => null,
        () => now,
      );
      const person = (username: string, expiresAt: number | null) => ({
        userId: `id-${username}`,
        username,
        token: 0,
        kind: 'lease' as const,
        via: 'app' as const,
        grantedAt: now,
        expiresAt,
      });
      // ana's lease on a file ended a minute ago; its end was never reported.
      reservations.report({
        name: 'lapse/file.psd',
        granted: null,
        freedToken: null,
        summary: {
          name: 'lapse/file.psd',
          holder: person('ana', now - 60_000),
          lastToken: 1,
          queueLength: 0,
          rev: 5,
        },
        stake: [],
      });
      // li's acquire of the free file reserves it; a folder around it must now wait for li.
      const file = reservations.reserve('lapse/file.psd', 5, person('li', now + 60_000));
      const folder = reservations.reserve('lapse/', 0, person('mo', null));
      return { file, folder };
    });
    expect(answers.file).toEqual({ ok: true });
    expect(answers.folder).toMatchObject({
      ok: false,
      blockedBy: 'lapse/file.psd',
      holder: { username: 'li' },
    });
  });
});
