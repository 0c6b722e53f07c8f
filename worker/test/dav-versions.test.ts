/** V19: every version of a note or file, read-only, under `/dav-versions/` beside `/dav/`. */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, appPassword, createSpace, ORIGIN, signUp } from './support/accounts';

describe('WebDAV versions', () => {
  let auth = '';
  let outsider = '';
  let spaceId = '';
  const dav = (path: string, method = 'GET', headers: Record<string, string> = {}, body?: string) =>
    exports.default.fetch(`${ORIGIN}${path}`, {
      method,
      headers: { authorization: auth, ...headers },
      ...(body === undefined ? {} : { body }),
    });
  const hrefs = (xml: string) =>
    [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => decodeURIComponent(m[1] ?? ''));

  async function basicAuth(user: { cookie: string; username: string }): Promise<string> {
    const { password } = await appPassword(user, { name: 'versions' });
    return `Basic ${btoa(`${user.username}:${password}`)}`;
  }

  beforeAll(async () => {
    const owner = await signUp();
    ({ spaceId } = await createSpace(owner.cookie, 'Vault'));
    auth = await basicAuth(owner);
    const stranger = await signUp();
    outsider = await basicAuth(stranger);
    await addMember(owner.cookie, spaceId, 'viewer');
    expect((await dav('/dav/Vault/Reports', 'MKCOL')).status).toBe(201);
    for (const text of ['draft', 'final'])
      expect((await dav('/dav/Vault/Reports/q1.txt', 'PUT', {}, text)).status).toBeLessThan(300);
  });

  it('[V19] the versions root lists folders and items, and an item lists its versions by time, author and front', async () => {
    const root = await dav('/dav-versions/Vault/', 'PROPFIND', { depth: '1' });
    expect(root.status).toBe(207);
    expect(hrefs(await root.text())).toContain('/dav-versions/Vault/Reports/');
    const item = await dav('/dav-versions/Vault/Reports/q1.txt/', 'PROPFIND', { depth: '1' });
    const names = hrefs(await item.text()).slice(1);
    expect(names).toHaveLength(2);
    expect(
      names.every((name) =>
        /\/q1\.txt\/\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.\d{3} .+ \(webdav\)\.txt$/.test(name),
      ),
    ).toBe(true);
    const oldest = names.at(-1) ?? '';
    const read = await dav(oldest.split('/').map(encodeURIComponent).join('/'));
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('draft');
  });

  it('[V19] versions are read-only, never inside /dav/, and nobody outside the space reaches them', async () => {
    expect((await dav('/dav-versions/Vault/Reports/q1.txt/x.txt', 'PUT', {}, 'no')).status).toBe(405);
    expect((await dav('/dav-versions/Vault/Reports/q1.txt/', 'DELETE')).status).toBe(405);
    const listing = await (await dav('/dav/Vault/Reports/', 'PROPFIND', { depth: '1' })).text();
    expect(hrefs(listing).every((href) => !href.includes('dav-versions'))).toBe(true);
    const stranger = await exports.default.fetch(`${ORIGIN}/dav-versions/Vault/Reports/q1.txt/`, {
      method: 'PROPFIND',
      headers: { authorization: outsider, depth: '1' },
    });
    expect(stranger.status).toBe(404);
    const anonymous = await exports.default.fetch(`${ORIGIN}/dav-versions/Vault/`, { method: 'PROPFIND' });
    expect(anonymous.status).toBe(401);
  });

  it('[V15] [V19] the bytes of an earlier version stay while the version is kept, and go with a deleted file', async () => {
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    await stub.blobSettings({ graceMs: 0, releasedGraceMs: 0 });
    await runDurableObjectAlarm(stub);
    const item = await dav('/dav-versions/Vault/Reports/q1.txt/', 'PROPFIND', { depth: '1' });
    const oldest = hrefs(await item.text()).at(-1) ?? '';
    const read = await dav(oldest.split('/').map(encodeURIComponent).join('/'));
    expect(await read.text()).toBe('draft');
    expect((await dav('/dav/Vault/Reports/q1.txt', 'DELETE')).status).toBe(204);
    await runDurableObjectAlarm(stub);
    const usage = await stub.blobUsage();
    expect(usage.blobCount).toBe(0);
  });
});
