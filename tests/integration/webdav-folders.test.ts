import { describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword, type TestUser } from '../support/api-client';
import { dav } from '../support/dav';

// Folder check-outs over WebDAV (L21–L24, D5–D6): a depth-infinity LOCK on a collection, through
// the real server, against files, the app's API and each other.

const baseUrl = inject('baseUrl');
const client = apiClient(baseUrl);

const LOCKINFO =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

type Auth = { username: string; password: string };

async function spaceFor(name: string): Promise<{ user: TestUser; spaceId: string; auth: Auth }> {
  const user = await client.signUp();
  const { spaceId } = await client.createSpace(user.cookie, name);
  const { password } = await appPassword(baseUrl, user);
  return { user, spaceId, auth: { username: user.username, password } };
}

async function memberAuth(owner: TestUser, spaceId: string): Promise<{ user: TestUser; auth: Auth }> {
  const user = await client.addMember(owner.cookie, spaceId, 'editor');
  return { user, auth: { username: user.username, password: (await appPassword(baseUrl, user)).password } };
}

function lock(auth: Auth, path: string, depth: '0' | 'infinity'): Promise<Response> {
  return dav(baseUrl, auth, 'LOCK', path, { headers: { depth, timeout: 'Second-600' }, body: LOCKINFO });
}

describe('folder check-outs over WebDAV', { timeout: 120_000 }, () => {
  it('[L24] a folder LOCK covers its files: a file LOCK and a PUT without the token are 423, until UNLOCK', async () => {
    const { spaceId, user, auth } = await spaceFor('Designs');
    expect((await dav(baseUrl, auth, 'MKCOL', '/dav/Designs/designs/')).status).toBe(201);
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Designs/designs/logo.svg', { body: 'v1' })).status).toBe(
      201,
    );
    const bob = await memberAuth(user, spaceId);
    const folder = await lock(bob.auth, '/dav/Designs/designs/', 'infinity');
    expect(folder.status).toBe(200);
    const token = folder.headers.get('lock-token') ?? '';
    expect(await folder.text()).toContain('<D:depth>infinity</D:depth>');
    // Another person's LOCK on a file inside, and their save: refused, naming who has the folder.
    const fileLock = await lock(auth, '/dav/Designs/designs/logo.svg', '0');
    expect(fileLock.status).toBe(423);
    expect(await fileLock.text()).toContain(`the folder “designs/”, checked out by ${bob.user.username}`);
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Designs/designs/logo.svg', { body: 'v2' })).status).toBe(
      423,
    );
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Designs/designs/new.txt', { body: 'x' })).status).toBe(423);
    expect((await dav(baseUrl, auth, 'DELETE', '/dav/Designs/designs/')).status).toBe(423);
    expect((await lock(auth, '/dav/Designs/', 'infinity')).status).toBe(403); // the whole space
    // The holder saves with the folder's token; a PROPFIND shows the lock rooted at the folder.
    const saved = await dav(baseUrl, bob.auth, 'PUT', '/dav/Designs/designs/logo.svg', {
      body: 'bob 2',
      headers: { if: `(${token})` },
    });
    expect(saved.status).toBe(204);
    const props = await dav(baseUrl, auth, 'PROPFIND', '/dav/Designs/designs/logo.svg', {
      headers: { depth: '0' },
    });
    expect(await props.text()).toContain('<D:lockroot><D:href>/dav/Designs/designs/</D:href></D:lockroot>');
    expect(
      (await dav(baseUrl, bob.auth, 'UNLOCK', '/dav/Designs/designs/', { headers: { 'lock-token': token } }))
        .status,
    ).toBe(204);
    const after = await lock(auth, '/dav/Designs/designs/logo.svg', '0');
    expect(after.status).toBe(200);
    expect(await (await dav(baseUrl, auth, 'GET', '/dav/Designs/designs/logo.svg')).text()).toBe('bob 2');
  });

  it('[L22] 10 concurrent LOCKs of a folder, its sub-folder and files inside: exactly one is granted', async () => {
    const { spaceId, user, auth } = await spaceFor('Race');
    await dav(baseUrl, auth, 'MKCOL', '/dav/Race/a/');
    await dav(baseUrl, auth, 'MKCOL', '/dav/Race/a/b/');
    for (const name of ['one', 'two', 'three'])
      expect((await dav(baseUrl, auth, 'PUT', `/dav/Race/a/b/${name}.txt`, { body: name })).status).toBe(201);
    const bob = await memberAuth(user, spaceId);
    const paths: [string, '0' | 'infinity'][] = [
      ['/dav/Race/a/', 'infinity'],
      ['/dav/Race/a/b/', 'infinity'],
      ['/dav/Race/a/b/one.txt', '0'],
      ['/dav/Race/a/b/two.txt', '0'],
      ['/dav/Race/a/b/three.txt', '0'],
    ];
    const answers = await Promise.all(
      [...paths, ...paths].map(([path, depth], i) => lock(i % 2 === 0 ? auth : bob.auth, path, depth)),
    );
    const statuses = answers.map((res) => res.status);
    expect(
      statuses.filter((status) => status === 200),
      statuses.join(' '),
    ).toHaveLength(1);
    expect(statuses.filter((status) => status === 423)).toHaveLength(9);
  });

  it('[L23] a folder checked out in the app blocks a WebDAV PUT inside it without the token; after release it goes through', async () => {
    const { spaceId, user, auth } = await spaceFor('Handover');
    await dav(baseUrl, auth, 'MKCOL', '/dav/Handover/project/');
    const bob = await client.addMember(user.cookie, spaceId, 'editor');
    const lockPath = `/api/spaces/${spaceId}/locks/${encodeURIComponent('project/')}`;
    const taken = await client.api(`${lockPath}/acquire`, {
      method: 'POST',
      cookie: bob.cookie,
      json: { requestId: 'req-folder-app-1', kind: 'checkout' },
    });
    const grant = (await taken.json()) as { status: string; token: number };
    expect(grant.status).toBe('granted');
    const refused = await dav(baseUrl, auth, 'PUT', '/dav/Handover/project/notes.txt', { body: 'mine' });
    expect(refused.status).toBe(423);
    expect(await refused.text()).toContain(`The folder “project/” is checked out by ${bob.username}`);
    expect((await dav(baseUrl, auth, 'MKCOL', '/dav/Handover/project/sub/')).status).toBe(423);
    const released = await client.api(`${lockPath}/release`, {
      method: 'POST',
      cookie: bob.cookie,
      json: { token: grant.token },
    });
    expect(released.status).toBe(200);
    expect(
      (await dav(baseUrl, auth, 'PUT', '/dav/Handover/project/notes.txt', { body: 'mine' })).status,
    ).toBe(201);
  });
});
