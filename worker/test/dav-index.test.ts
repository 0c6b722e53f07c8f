/**
 * D11: WebDAV reads a space through its index by folder and name, kept with every edit: what the
 * app changes shows at once under the right names, and a space made before the index is indexed.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillItemIndex } from '../src/space/item-index';
import { createSpace, signUp } from './support/accounts';
import { davRequest } from './support/dav';
import { withAppPassword, type LfsUser } from './support/lfs';
import { clientId, mutation, push } from './support/sync';

describe('WebDAV over the item index', () => {
  let user: LfsUser;
  let spaceId = '';
  let cookie = '';
  const device = clientId();
  const file = (itemId: string, values: Record<string, unknown>) =>
    mutation(device, itemId, { size: 0, type: 'text/plain', ...values }, { kind: 'file' });
  const listing = async (path: string) => {
    const res = await davRequest(user, 'GET', path);
    if (res.status !== 200) return res.status;
    return (await res.text())
      .split('\n')
      .filter((line) => line !== '')
      .sort();
  };

  beforeAll(async () => {
    const owner = await signUp();
    cookie = owner.cookie;
    spaceId = (await createSpace(owner.cookie, 'Indexed')).spaceId;
    user = await withAppPassword(owner);
    await push(cookie, spaceId, device, [
      file('item-aaaa', { name: 'Report.txt', folder: 'docs/2026' }),
      file('item-bbbb', { name: 'report.txt', folder: 'docs/2026' }),
      file('item-cccc', { name: 'plan.txt', folder: 'docs' }),
      mutation(device, 'item-nnnn', { title: 'Minutes', body: 'said', folder: 'docs' }),
    ]);
  });

  it('[D11] folders made by items, same-named siblings numbered, names found in any case', async () => {
    expect(await listing('Indexed/')).toEqual(['docs/']);
    expect(await listing('Indexed/docs/')).toEqual(['2026/', 'Minutes.md', 'plan.txt']);
    expect((await listing('Indexed/docs/2026/')) as string[]).toHaveLength(2);
    expect(await listing('Indexed/docs/2026/')).toContain('report (2).txt');
    expect((await davRequest(user, 'GET', 'Indexed/DOCS/Plan.TXT')).status).toBe(200);
    expect(await (await davRequest(user, 'GET', 'Indexed/docs/minutes.md')).text()).toBe('said');
    expect((await davRequest(user, 'GET', 'Indexed/docs/2026/report (2).txt')).status).toBe(200);
    expect((await davRequest(user, 'GET', 'Indexed/docs/2026/report (3).txt')).status).toBe(404);
  });

  it('[D11] an edit in the app moves, renames and trashes what WebDAV shows at once', async () => {
    await push(cookie, spaceId, device, [
      mutation(device, 'item-cccc', { folder: 'archive' }, { kind: 'file' }),
      mutation(device, 'item-nnnn', { title: 'Notes' }),
      mutation(device, 'item-aaaa', { $deleted: true }, { kind: 'file' }),
    ]);
    expect(await listing('Indexed/')).toEqual(['archive/', 'docs/']);
    expect(await listing('Indexed/docs/')).toEqual(['2026/', 'Notes.md']);
    expect(await listing('Indexed/docs/2026/')).toEqual(['report.txt']);
    await push(cookie, spaceId, device, [
      mutation(device, 'item-bbbb', { $deleted: true }, { kind: 'file' }),
    ]);
    expect(await listing('Indexed/docs/')).toEqual(['Notes.md']);
    expect(await listing('Indexed/docs/2026/')).toBe(404);
  });

  it('[D11] a space stored before the index existed is indexed when its object starts', async () => {
    const before = await listing('Indexed/docs/');
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec('DELETE FROM item_index');
      sql.exec('DELETE FROM item_folders');
      sql.exec("UPDATE meta SET value = 'no' WHERE key = 'item_index_filled'");
    });
    expect(await listing('Indexed/docs/')).toBe(404);
    await runInDurableObject(stub, (_instance, state) => fillItemIndex(state.storage));
    expect(await listing('Indexed/docs/')).toEqual(before);
    expect(await listing('Indexed/archive/')).toEqual(['plan.txt']);
  });
});
