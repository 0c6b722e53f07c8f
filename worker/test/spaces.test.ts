import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { CreateLinkResponseSchema, JoinResponseSchema, LinkListResponseSchema } from '#shared/accounts/links';
import {
  MemberListResponseSchema,
  SpaceListResponseSchema,
  SpaceResponseSchema,
} from '#shared/accounts/spaces';
import { addMember, api, createLink, createSpace, signUp } from './support/accounts';
import { linkState } from '../src/space/share-links';

async function errorOf(res: Response) {
  return v.parse(ErrorBodySchema, await res.json());
}

async function spacesOf(cookie: string) {
  return v.parse(SpaceListResponseSchema, await (await api('/api/spaces', { cookie })).json()).spaces;
}

async function membersOf(cookie: string, spaceId: string) {
  return v.parse(
    MemberListResponseSchema,
    await (await api(`/api/spaces/${spaceId}/members`, { cookie })).json(),
  ).members;
}

describe('spaces', () => {
  it('[M1] creating a space makes a random server id and the creator its owner', async () => {
    const { cookie } = await signUp();
    const res = await api('/api/spaces', { method: 'POST', cookie, json: { name: '  Design  ' } });
    expect(res.status).toBe(201);
    const { space } = v.parse(SpaceResponseSchema, await res.json());
    expect(space).toMatchObject({ name: 'Design', role: 'owner' });
    expect(space.spaceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const other = await createSpace(cookie, 'Design');
    expect(other.spaceId).not.toBe(space.spaceId);
  });

  it('[M2] a user lists exactly the spaces they belong to, with their role', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const a = await createSpace(alice.cookie, 'Alpha');
    await createSpace(bob.cookie, 'Bravo');
    expect((await spacesOf(alice.cookie)).map((s) => s.name)).toEqual(['Alpha']);
    const bobInAlpha = await addMember(alice.cookie, a.spaceId, 'editor');
    expect(await spacesOf(bobInAlpha.cookie)).toEqual([
      expect.objectContaining({ spaceId: a.spaceId, role: 'editor' }),
    ]);
  });

  it('[M3] an owner renames the space; every member sees the new name', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie, 'Old');
    const viewer = await addMember(owner.cookie, spaceId, 'viewer');
    const res = await api(`/api/spaces/${spaceId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { name: 'New' },
    });
    expect(res.status).toBe(200);
    expect((await spacesOf(viewer.cookie))[0]?.name).toBe('New');
    const get = v.parse(
      SpaceResponseSchema,
      await (await api(`/api/spaces/${spaceId}`, { cookie: viewer.cookie })).json(),
    );
    expect(get.space).toMatchObject({ name: 'New', role: 'viewer' });
  });

  it('[M4] an owner deletes the space; it is gone for every member and its links stop working', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const token = await createLink(owner.cookie, spaceId, 'viewer');
    expect((await api(`/api/spaces/${spaceId}`, { method: 'DELETE', cookie: owner.cookie })).status).toBe(
      204,
    );
    expect(await spacesOf(owner.cookie)).toEqual([]);
    expect(await spacesOf(editor.cookie)).toEqual([]);
    expect((await api(`/api/spaces/${spaceId}`, { cookie: owner.cookie })).status).toBe(404);
    const late = await signUp();
    expect((await api(`/api/join/${token}`, { method: 'POST', cookie: late.cookie })).status).toBe(404);
  });
});

describe('share links', () => {
  it('[K1][K2] an owner makes a link; a signed-in user opening it joins with its role', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie, 'Shared');
    const res = await api(`/api/spaces/${spaceId}/links`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { role: 'editor' },
    });
    expect(res.status).toBe(201);
    const created = v.parse(CreateLinkResponseSchema, await res.json());
    expect(created.path).toBe(`/join/${created.token}`);
    expect(created.token.split('.')[1]?.length).toBeGreaterThanOrEqual(22);
    const preview = await api(`/api/join/${created.token}`);
    expect(v.parse(JoinResponseSchema, await preview.json())).toEqual({
      spaceId,
      spaceName: 'Shared',
      role: 'editor',
    });
    const guest = await signUp();
    const join = await api(`/api/join/${created.token}`, { method: 'POST', cookie: guest.cookie });
    expect(join.status).toBe(200);
    expect((await membersOf(owner.cookie, spaceId)).map((m) => [m.username, m.role])).toEqual([
      [owner.username, 'owner'],
      [guest.username, 'editor'],
    ]);
  });

  it('[K4] joining twice adds one member and counts one use', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer', { maxUses: 1 });
    const guest = await signUp();
    expect((await api(`/api/join/${token}`, { method: 'POST', cookie: guest.cookie })).status).toBe(200);
    expect((await api(`/api/join/${token}`, { method: 'POST', cookie: guest.cookie })).status).toBe(200);
    expect(await membersOf(owner.cookie, spaceId)).toHaveLength(2);
    const links = v.parse(
      LinkListResponseSchema,
      await (await api(`/api/spaces/${spaceId}/links`, { cookie: owner.cookie })).json(),
    );
    expect(links.links[0]).toMatchObject({ uses: 1, maxUses: 1, state: 'used_up' });
  });

  it('[K3] a used-up link says exactly that', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer', { maxUses: 1 });
    await api(`/api/join/${token}`, { method: 'POST', cookie: (await signUp()).cookie });
    const res = await api(`/api/join/${token}`, { method: 'POST', cookie: (await signUp()).cookie });
    expect(res.status).toBe(410);
    const body = await errorOf(res);
    expect(body.code).toBe('LINK_USED_UP');
    expect(body.message).toBe(
      'This share link has been used as many times as it allows. Ask an owner of the space for a new one.',
    );
  });
});

describe('link state (pure)', () => {
  const base = { revokedAt: null, expiresAt: null, maxUses: null, uses: 0 };
  it('[K3] revoked wins over expired, expired over used up; a link is usable until its expiry instant', () => {
    expect(linkState(base, 1000)).toBe('active');
    expect(linkState({ ...base, expiresAt: 1000 }, 999)).toBe('active');
    expect(linkState({ ...base, expiresAt: 1000 }, 1000)).toBe('expired');
    expect(linkState({ ...base, maxUses: 2, uses: 2 }, 0)).toBe('used_up');
    expect(linkState({ ...base, maxUses: 2, uses: 2, expiresAt: 5 }, 10)).toBe('expired');
    expect(linkState({ revokedAt: 1, maxUses: 2, uses: 2, expiresAt: 5 }, 10)).toBe('revoked');
  });
});
