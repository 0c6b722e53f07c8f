/**
 * D10: folder operations at any depth and path length answer as WebDAV says and leave nothing
 * behind (found by litmus started in a folder three levels down: 500 on COPY, MOVE and DELETE).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createSpace, signUp } from './support/accounts';
import { davRequest, destination } from './support/dav';
import { withAppPassword, type LfsUser } from './support/lfs';

describe('WebDAV folders deep down', () => {
  let user: LfsUser;
  // Deep enough that a folder's path is far longer than SQLite's LIKE pattern limit.
  const deep = 'Deep/first level folder/second level folder/third level folder';

  beforeAll(async () => {
    const owner = await signUp();
    await createSpace(owner.cookie, 'Deep');
    user = await withAppPassword(owner);
    let path = 'Deep';
    for (const segment of deep.split('/').slice(1)) {
      path = `${path}/${segment}`;
      expect((await davRequest(user, 'MKCOL', `${path}/`)).status).toBe(201);
    }
  });

  const tree = async (path: string) => {
    const res = await davRequest(user, 'PROPFIND', `${path}/`, { headers: { depth: '1' } });
    return { status: res.status, body: await res.text() };
  };

  it('[D10] DELETE of a nested folder with subfolders removes it all; the name is free again', async () => {
    const folder = `${deep}/gone`;
    expect((await davRequest(user, 'MKCOL', `${folder}/`)).status).toBe(201);
    expect((await davRequest(user, 'MKCOL', `${folder}/sub/`)).status).toBe(201);
    expect((await davRequest(user, 'PUT', `${folder}/sub/a.txt`, { body: 'a' })).status).toBe(201);
    expect((await davRequest(user, 'DELETE', `${folder}/`)).status).toBe(204);
    expect((await tree(folder)).status).toBe(404);
    expect((await davRequest(user, 'MKCOL', `${folder}/`)).status).toBe(201);
    expect((await tree(folder)).body).not.toContain('sub');
  });

  it('[D10] COPY and MOVE of a nested folder carry its subfolders and files', async () => {
    const source = `${deep}/src`;
    expect((await davRequest(user, 'MKCOL', `${source}/`)).status).toBe(201);
    expect((await davRequest(user, 'MKCOL', `${source}/empty/`)).status).toBe(201);
    expect((await davRequest(user, 'PUT', `${source}/f.txt`, { body: 'f' })).status).toBe(201);
    const copy = await davRequest(user, 'COPY', `${source}/`, { headers: destination(`${deep}/copy/`) });
    expect(copy.status).toBe(201);
    expect((await tree(`${deep}/copy`)).body).toContain('empty');
    const move = await davRequest(user, 'MOVE', `${deep}/copy/`, { headers: destination(`${deep}/moved/`) });
    expect(move.status).toBe(201);
    expect((await tree(`${deep}/copy`)).status).toBe(404);
    const moved = await tree(`${deep}/moved`);
    expect(moved.body).toContain('empty');
    expect(moved.body).toContain('f.txt');
    expect((await davRequest(user, 'DELETE', `${deep}/moved/empty/`)).status).toBe(204);
    expect((await tree(`${deep}/moved`)).body).not.toContain('empty');
  });
});
