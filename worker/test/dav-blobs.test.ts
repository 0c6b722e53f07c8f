/**
 * D7: a WebDAV PUT streams its bytes into R2 once, at a key of its own; the space keeps one copy
 * per content, also when several clients upload the same new content at once.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSpace, signUp } from './support/accounts';
import { davRequest } from './support/dav';
import { withAppPassword, type LfsUser } from './support/lfs';

describe('WebDAV PUT bytes', () => {
  let user: LfsUser;
  let spaceId = '';

  beforeAll(async () => {
    const owner = await signUp();
    spaceId = (await createSpace(owner.cookie, 'Copies')).spaceId;
    user = await withAppPassword(owner);
  });

  it('[D7] the same new content PUT at once under four names: all stored, one copy kept', async () => {
    const body = 'the same drawing, saved from four desktops at once';
    const names = ['a.txt', 'b.txt', 'c.txt', 'd.txt'];
    const answers = await Promise.all(
      names.map((name) => davRequest(user, 'PUT', `Copies/${name}`, { body })),
    );
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201, 201]);
    for (const name of names)
      expect(await (await davRequest(user, 'GET', `Copies/${name}`)).text()).toBe(body);
    const stored = await env.BLOBS.list({ prefix: `spaces/${spaceId}/` });
    expect(stored.objects).toHaveLength(1);
  });
});
