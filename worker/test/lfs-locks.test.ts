import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { LockHistoryResponseSchema, LockListResponseSchema } from '#shared/locks/schemas';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { withAppPassword, lfs, type LfsUser } from './support/lfs';
import { lockPath, post, rid } from './locks-support';

// The Git LFS locking API (G6–G9) as Baton checkouts taken via git-lfs (L19, L20).

let owner: LfsUser;
let alice: LfsUser;
let bob: LfsUser;
let viewer: LfsUser;
let spaceId: string;

type LfsLockBody = { id: string; path: string; locked_at: string; owner: { name: string } };

beforeAll(async () => {
  const o = await signUp();
  ({ spaceId } = await createSpace(o.cookie, 'Game art'));
  owner = await withAppPassword(o);
  alice = await withAppPassword(await addMember(o.cookie, spaceId, 'editor'));
  bob = await withAppPassword(await addMember(o.cookie, spaceId, 'editor'));
  viewer = await withAppPassword(await addMember(o.cookie, spaceId, 'viewer'));
});

async function call(user: LfsUser, method: string, path: string, json?: unknown) {
  const res = await lfs(`/${spaceId}${path}`, user, { method, ...(json === undefined ? {} : { json }) });
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

describe('Git LFS locks', () => {
  it('[G6][L19][L20] a lock is a checkout via git-lfs, seen by the app; a second lock is 409 naming the holder', async () => {
    const made = await call(alice, 'POST', '/locks', { path: 'art/a.psd', ref: { name: 'refs/heads/main' } });
    expect(made.status).toBe(201);
    const lock = made.body.lock as LfsLockBody;
    expect(lock).toMatchObject({ path: 'art/a.psd', owner: { name: alice.username } });
    expect(lock.locked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lock.id).toMatch(/^[A-Za-z0-9._-]+$/);
    const taken = await call(bob, 'POST', '/locks', { path: 'art/a.psd' });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe(`art/a.psd is already locked by ${alice.username}.`);
    expect((taken.body.lock as LfsLockBody).id).toBe(lock.id);
    const list = v.parse(
      LockListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/locks`, { cookie: viewer.cookie })).json(),
    );
    expect(list.locks.find((l) => l.name === 'art/a.psd')?.holder).toMatchObject({
      username: alice.username,
      kind: 'checkout',
      via: 'git-lfs',
      expiresAt: null,
    });
    expect((await call(viewer, 'POST', '/locks', { path: 'art/v.psd' })).status).toBe(403);
  });

  it('[G6][L21] a path inside a folder checked out in the app cannot be locked by git; the answer names the folder and its holder', async () => {
    const folder = await post(bob.cookie, spaceId, 'levels/', 'acquire', {
      requestId: rid(),
      kind: 'checkout',
    });
    expect(folder.body).toMatchObject({ status: 'granted' });
    const taken = await call(alice, 'POST', '/locks', { path: 'levels/one.map' });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe(
      `levels/one.map is in the folder levels/, checked out by ${bob.username}.`,
    );
    expect(taken.body.lock).toMatchObject({ path: 'levels/', owner: { name: bob.username } });
  });

  it('[G6] a lock taken in the app is a lock for git too', async () => {
    await post(bob.cookie, spaceId, 'art/app.psd', 'acquire', { requestId: rid(), kind: 'checkout' });
    const taken = await call(alice, 'POST', '/locks', { path: 'art/app.psd' });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe(`art/app.psd is already locked by ${bob.username}.`);
    const verify = await call(alice, 'POST', '/locks/verify', {});
    expect((verify.body.theirs as LfsLockBody[]).map((l) => l.path)).toContain('art/app.psd');
  });

  it('[G7] the list filters by path and id and pages by cursor; viewers may list', async () => {
    for (const path of ['pages/p1.psd', 'pages/p2.psd', 'pages/p3.psd'])
      expect((await call(bob, 'POST', '/locks', { path })).status).toBe(201);
    const byPath = await call(viewer, 'GET', '/locks?path=pages%2Fp2.psd&refspec=refs%2Fheads%2Fmain');
    const locks = byPath.body.locks as LfsLockBody[];
    expect(locks.map((l) => [l.path, l.owner.name])).toEqual([['pages/p2.psd', bob.username]]);
    const byId = await call(viewer, 'GET', `/locks?id=${encodeURIComponent(locks[0]!.id)}`);
    expect((byId.body.locks as LfsLockBody[]).map((l) => l.path)).toEqual(['pages/p2.psd']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const q = `/locks?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const pageBody = (await call(viewer, 'GET', q)).body;
      const got = pageBody.locks as LfsLockBody[];
      expect(got.length).toBeLessThanOrEqual(2);
      seen.push(...got.map((l) => l.path));
      cursor = pageBody.next_cursor as string | undefined;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(
      expect.arrayContaining(['art/a.psd', 'pages/p1.psd', 'pages/p2.psd', 'pages/p3.psd']),
    );
  });

  it('[G8] verify answers ours and theirs for the caller; viewers cannot verify (they cannot push)', async () => {
    const mine = await call(alice, 'POST', '/locks/verify', { ref: { name: 'refs/heads/main' } });
    expect(mine.status).toBe(200);
    expect((mine.body.ours as LfsLockBody[]).map((l) => l.path)).toContain('art/a.psd');
    expect((mine.body.theirs as LfsLockBody[]).map((l) => l.path)).not.toContain('art/a.psd');
    const theirs = await call(bob, 'POST', '/locks/verify', {});
    expect((theirs.body.theirs as LfsLockBody[]).find((l) => l.path === 'art/a.psd')?.owner.name).toBe(
      alice.username,
    );
    expect((await call(viewer, 'POST', '/locks/verify', {})).status).toBe(403);
  });

  it('[G9][L8] only the holder unlocks; force needs an owner, and is recorded as a break', async () => {
    const made = await call(bob, 'POST', '/locks', { path: 'art/b.psd' });
    const id = (made.body.lock as LfsLockBody).id;
    const byAlice = await call(alice, 'POST', `/locks/${id}/unlock`, {});
    expect(byAlice.status).toBe(403);
    expect(byAlice.body.message).toContain(bob.username);
    expect((await call(alice, 'POST', `/locks/${id}/unlock`, { force: true })).status).toBe(403);
    const forced = await call(owner, 'POST', `/locks/${id}/unlock`, { force: true });
    expect(forced.status).toBe(200);
    expect((forced.body.lock as LfsLockBody).path).toBe('art/b.psd');
    // The id named that grant: it cannot end the next one.
    expect((await call(alice, 'POST', '/locks', { path: 'art/b.psd' })).status).toBe(201);
    expect((await call(owner, 'POST', `/locks/${id}/unlock`, { force: true })).status).toBe(404);
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, 'art/b.psd', 'history'), { cookie: owner.cookie })).json(),
    );
    expect(history.entries.map((e) => `${e.kind}:${e.username}:${e.via}`)).toEqual([
      `granted:${bob.username}:git-lfs`,
      `broken:${owner.username}:git-lfs`,
      `granted:${alice.username}:git-lfs`,
    ]);
    const own = (await call(alice, 'GET', '/locks?path=art%2Fb.psd')).body.locks as LfsLockBody[];
    expect((await call(alice, 'POST', `/locks/${own[0]!.id}/unlock`, {})).status).toBe(200);
    expect(((await call(alice, 'GET', '/locks?path=art%2Fb.psd')).body.locks as unknown[]).length).toBe(0);
  });

  it('[G1] malformed lock bodies and ids are 4xx with a message and change nothing', async () => {
    const before = (await call(viewer, 'GET', '/locks')).body.locks;
    const cases: [string, string, unknown][] = [
      ['POST', '/locks', {}],
      ['POST', '/locks', { path: 42 }],
      ['POST', '/locks', { path: '../etc/passwd' }],
      ['POST', '/locks', { path: '' }],
      ['POST', '/locks', { path: 'a\u0000b' }],
      ['POST', '/locks/verify', { limit: -1 }],
      ['POST', '/locks/not-an-id/unlock', {}],
      ['POST', '/locks/1.YQ/unlock', { force: 'yes' }],
      ['GET', '/locks?limit=abc', undefined],
    ];
    for (const [method, path, json] of cases) {
      const res = await call(alice, method, path, json);
      expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(String(res.body.message).length).toBeGreaterThan(0);
    }
    const notJson = await lfs(`/${spaceId}/locks`, alice, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await call(viewer, 'GET', '/locks')).body.locks).toEqual(before);
  });
});
