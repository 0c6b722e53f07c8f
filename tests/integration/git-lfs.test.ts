import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BlobUsageSchema } from '#shared/blobs/protocol';
import { LockHistoryResponseSchema, LockSummarySchema } from '#shared/locks/schemas';
import { addMember, api, appPassword, createSpace, signUp, type TestUser } from '../support/api-client';
import { GitUser, gitRoot, lfsUrl } from '../support/git-lfs';
import { sha256 } from '../support/sha256';

// The real git-lfs client (Debian git-lfs 3.3) against the real server: a bare repository on
// local disk as the git remote, the space's Git LFS URL in a committed .lfsconfig, `*.psd
// lockable`, and one HOME with a credential store per person (docs/git-lfs.md).

const baseUrl = inject('baseUrl');
const MiB = 1024 * 1024;

let root: string;
let spaceId: string;
let owner: TestUser;
let alice: GitUser;
let bob: GitUser;
let boss: GitUser;
let remote: string;

const files = {
  'art/a.psd': new Uint8Array(randomBytes(2 * MiB + 123)),
  'art/b.psd': new Uint8Array(randomBytes(300_000)),
  'video/intro.bin': new Uint8Array(randomBytes(17 * MiB + 5)),
};

/** The lock on `path` as its own object has it now (the space's list may lag a release by a moment). */
async function lockOn(path: string) {
  const res = await api(baseUrl, `/api/spaces/${spaceId}/locks/${encodeURIComponent(path)}`, {
    cookie: owner.cookie,
  });
  return v.parse(LockSummarySchema, await res.json());
}

beforeAll(async () => {
  root = gitRoot();
  owner = await signUp(baseUrl);
  ({ spaceId } = await createSpace(baseUrl, owner.cookie, 'Game art'));
  const a = await addMember(baseUrl, owner.cookie, spaceId, 'editor');
  const b = await addMember(baseUrl, owner.cookie, spaceId, 'editor');
  alice = new GitUser(a, (await appPassword(baseUrl, a, { name: 'git' })).password, baseUrl, root);
  bob = new GitUser(b, (await appPassword(baseUrl, b, { name: 'git' })).password, baseUrl, root);
  boss = new GitUser(owner, (await appPassword(baseUrl, owner, { name: 'git' })).password, baseUrl, root);
  for (const person of [alice, bob, boss]) await person.ok(root, 'lfs', 'install', '--skip-repo');
  remote = join(root, 'remote.git');
  await alice.ok(root, 'init', '--bare', remote);
}, 120_000);

describe('git lfs push, pull and locks against a space', { timeout: 180_000 }, () => {
  it('[G3][G4] A pushes three files (one over 16 MiB); B clones them byte-identical; each is one blob of the space', async () => {
    const a = join(root, 'a');
    await alice.ok(root, 'clone', remote, a);
    writeFileSync(
      join(a, '.gitattributes'),
      '*.psd filter=lfs diff=lfs merge=lfs -text lockable\n*.bin filter=lfs diff=lfs merge=lfs -text\n',
    );
    writeFileSync(
      join(a, '.lfsconfig'),
      `[lfs]\n\turl = ${lfsUrl(baseUrl, spaceId)}\n\tlocksverify = true\n`,
    );
    for (const [path, bytes] of Object.entries(files)) {
      mkdirSync(join(a, path, '..'), { recursive: true });
      writeFileSync(join(a, path), bytes);
    }
    await alice.ok(a, 'add', '.');
    await alice.ok(a, 'commit', '-q', '-m', 'art');
    await alice.ok(a, 'push', '-q', 'origin', 'main');

    const b = join(root, 'b');
    await bob.ok(root, 'clone', remote, b);
    for (const [path, bytes] of Object.entries(files))
      expect(await sha256(readFileSync(join(b, path))), path).toBe(await sha256(bytes));
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(baseUrl, `/api/spaces/${spaceId}/blobs/usage`, { cookie: owner.cookie })).json(),
    );
    expect(usage.blobCount).toBe(3);
    expect(usage.usedBytes).toBe(Object.values(files).reduce((n, bytes) => n + bytes.length, 0));
    for (const bytes of Object.values(files)) {
      const res = await api(baseUrl, `/api/spaces/${spaceId}/blobs/${await sha256(bytes)}`, {
        method: 'HEAD',
        cookie: owner.cookie,
      });
      expect(res.status).toBe(200);
    }
  });

  it('[G6][G7][G8][G9] A locks; B sees it, B’s push is refused naming A; A pushes and unlocks; B locks; the owner forces it open', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await alice.ok(a, 'lfs', 'lock', 'art/a.psd');
    expect((await lockOn('art/a.psd')).holder).toMatchObject({
      username: alice.user.username,
      via: 'git-lfs',
      kind: 'checkout',
    });
    const listed = await bob.ok(b, 'lfs', 'locks');
    expect(listed.stdout).toMatch(new RegExp(`art/a\\.psd\\s+${alice.user.username}\\s+ID:`));

    writeFileSync(join(b, 'art/a.psd'), randomBytes(1000));
    await bob.ok(b, 'commit', '-q', '-am', 'bob edits a');
    const refused = await bob.git(b, 'push', 'origin', 'main');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('art/a.psd');
    expect(refused.output).toContain(alice.user.username);

    writeFileSync(join(a, 'art/a.psd'), randomBytes(5000));
    await alice.ok(a, 'commit', '-q', '-am', 'alice edits a');
    await alice.ok(a, 'push', '-q', 'origin', 'main');
    await alice.ok(a, 'lfs', 'unlock', 'art/a.psd');
    expect((await lockOn('art/a.psd')).holder).toBeNull();

    await bob.ok(b, 'lfs', 'lock', 'art/a.psd');
    const own = join(root, 'owner');
    await boss.ok(root, 'clone', '-q', remote, own);
    const notForced = await boss.git(own, 'lfs', 'unlock', 'art/a.psd');
    expect(notForced.code).not.toBe(0);
    expect(notForced.output).toContain(bob.user.username);
    await boss.ok(own, 'lfs', 'unlock', '--force', 'art/a.psd');
    expect((await bob.ok(b, 'lfs', 'locks')).stdout.trim()).toBe('');
    const history = v.parse(
      LockHistoryResponseSchema,
      await (
        await api(baseUrl, `/api/spaces/${spaceId}/locks/${encodeURIComponent('art/a.psd')}/history`, {
          cookie: owner.cookie,
        })
      ).json(),
    );
    expect(history.entries.map((e) => `${e.kind}:${e.username}:${e.via}`)).toEqual([
      `granted:${alice.user.username}:git-lfs`,
      `released:${alice.user.username}:git-lfs`,
      `granted:${bob.user.username}:git-lfs`,
      `broken:${owner.username}:git-lfs`,
    ]);
  });

  it('[G2] a wrong password is a 401 the client reports; a viewer’s push is 403; a foreign space is 404', async () => {
    const viewerUser = await addMember(baseUrl, owner.cookie, spaceId, 'viewer');
    const viewer = new GitUser(
      viewerUser,
      (await appPassword(baseUrl, viewerUser, { name: 'git' })).password,
      baseUrl,
      root,
    );
    await viewer.ok(root, 'lfs', 'install', '--skip-repo');
    const v1 = join(root, 'viewer');
    await viewer.ok(root, 'clone', '-q', remote, v1);
    expect(readFileSync(join(v1, 'art/b.psd')).length).toBe(files['art/b.psd'].length);
    writeFileSync(join(v1, 'art/new.psd'), randomBytes(2000));
    await viewer.ok(v1, 'add', '.');
    await viewer.ok(v1, 'commit', '-q', '-m', 'viewer adds');
    const pushed = await viewer.git(v1, 'lfs', 'push', 'origin', 'main');
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain(
      `${viewerUser.username} can only read “Game art”: pushing needs the editor role.`,
    );

    const wrong = new GitUser(await signUp(baseUrl, `${alice.user.username}x`), 'bt1_wrong', baseUrl, root);
    const w = join(root, 'a');
    const asWrong = await wrong.gitWith({ GIT_TRACE: '1' }, w, 'lfs', 'locks');
    expect(asWrong.code).not.toBe(0);
    expect(asWrong.output).toMatch(/HTTP: 401/);
    expect(asWrong.output).toContain('Git credentials for');

    const strangerUser = await signUp(baseUrl);
    const stranger = new GitUser(
      strangerUser,
      (await appPassword(baseUrl, strangerUser, { name: 'git' })).password,
      baseUrl,
      root,
    );
    const foreign = await stranger.git(w, 'lfs', 'locks');
    expect(foreign.code).not.toBe(0);
    expect(foreign.output).toContain(
      'There is no Baton space at this Git LFS URL, or you are not a member of it.',
    );
  });
});
