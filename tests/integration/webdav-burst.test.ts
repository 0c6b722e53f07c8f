import { describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword } from '../support/api-client';
import { dav } from '../support/dav';

// A file manager's burst (D2, D4, D6): two people's desktops send back-to-back requests into one
// folder at once — listings, reads, new files, saves over one shared file without If-Match,
// renames and deletes. Every answer is a success or a 4xx (never a 5xx: the local server also
// fails the run on one), and what was written is there afterwards.

const baseUrl = inject('baseUrl');
const renamed = (name: string, i: number) => `/dav/Burst/shared/${name}-${i}-renamed.txt`;
const client = apiClient(baseUrl);

describe('a burst of WebDAV requests from two desktops', { timeout: 120_000 }, () => {
  it('[D2] [D4] two clients, 120 requests back to back into one folder: no 5xx, every file written is listed', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Burst');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const people = await Promise.all(
      [owner, editor].map(async (user) => ({
        name: user.username,
        auth: { username: user.username, password: (await appPassword(baseUrl, user)).password },
      })),
    );
    const [first] = people;
    expect((await dav(baseUrl, first!.auth, 'MKCOL', '/dav/Burst/shared/')).status).toBe(201);
    expect(
      (await dav(baseUrl, first!.auth, 'PUT', '/dav/Burst/shared/plan.txt', { body: 'start' })).status,
    ).toBe(201);

    const statuses: { request: string; status: number }[] = [];
    const send = async (
      auth: (typeof people)[number]['auth'],
      method: string,
      path: string,
      options: { body?: string; headers?: Record<string, string> } = {},
    ) => {
      const headers = { ...(method === 'PROPFIND' ? { depth: '1' } : {}), ...options.headers };
      const res = await dav(baseUrl, auth, method, path, { ...options, headers });
      await res.arrayBuffer();
      statuses.push({ request: `${method} ${path}`, status: res.status });
    };
    await Promise.all(
      people.map(async ({ name, auth }) => {
        for (let i = 0; i < 12; i++) {
          const own = `/dav/Burst/shared/${name}-${i}.txt`;
          // As a file manager does: a few requests in flight at once, then the next few.
          await Promise.all([
            send(auth, 'PROPFIND', '/dav/Burst/shared/'),
            send(auth, 'PUT', own, { body: `${name} ${i}` }),
            send(auth, 'GET', '/dav/Burst/shared/plan.txt'),
            send(auth, 'PUT', '/dav/Burst/shared/plan.txt', { body: `plan by ${name}, save ${i}` }),
          ]);
          if (i % 3 === 0) await send(auth, 'HEAD', own);
          if (i % 3 === 1)
            await send(auth, 'MOVE', own, { headers: { destination: `${baseUrl}${renamed(name, i)}` } });
          if (i % 3 === 2) await send(auth, 'DELETE', own);
        }
      }),
    );
    const failed = statuses.filter(({ status }) => status >= 500);
    expect(failed).toEqual([]);
    expect(statuses.length).toBe(2 * 12 * 5);

    const listing = await (
      await dav(baseUrl, first!.auth, 'PROPFIND', '/dav/Burst/shared/', { headers: { depth: '1' } })
    ).text();
    for (const { name } of people)
      for (let i = 0; i < 12; i++) {
        const file = i % 3 === 1 ? renamed(name, i) : `/dav/Burst/shared/${name}-${i}.txt`;
        const leaf = file.slice(file.lastIndexOf('/') + 1);
        if (i % 3 === 2) expect(listing).not.toContain(`${name}-${i}.txt`);
        else expect(listing, `${leaf} is listed`).toContain(leaf);
      }
    // Both saves of the shared file are kept: one in the file, the rest in its history or copies.
    const plan = await (await dav(baseUrl, first!.auth, 'GET', '/dav/Burst/shared/plan.txt')).text();
    expect(plan).toMatch(/^plan by /);
  });
});
