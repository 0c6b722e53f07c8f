import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';
import { LinkListResponseSchema } from '#shared/accounts/links';
import {
  MemberListResponseSchema,
  MemberResponseSchema,
  SpaceListResponseSchema,
} from '#shared/accounts/spaces';
import { addMember, api, createLink, createSpace, signUp } from './support/accounts';

async function errorOf(res: Response) {
  return v.parse(ErrorBodySchema, await res.json());
}

async function membersOf(cookie: string, spaceId: string) {
  return v.parse(
    MemberListResponseSchema,
    await (await api(`/api/spaces/${spaceId}/members`, { cookie })).json(),
  ).members;
}

async function rolesOf(cookie: string, spaceId: string) {
  return Object.fromEntries((await membersOf(cookie, spaceId)).map((m) => [m.userId, m.role]));
}

async function linksOf(cookie: string, spaceId: string) {
  return v.parse(LinkListResponseSchema, await (await api(`/api/spaces/${spaceId}/links`, { cookie })).json())
    .links;
}

function spaceSql<T>(spaceId: string, run: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.SPACES.get(env.SPACES.idFromName(spaceId)), (_instance, state) =>
    run(state.storage.sql),
  );
}

describe('members and roles', () => {
  it('[M5] an owner changes a role; the member sees it in their list and it takes effect at once', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const viewer = await addMember(owner.cookie, spaceId, 'viewer');
    expect((await api(`/api/spaces/${spaceId}/links`, { cookie: viewer.cookie })).status).toBe(403);
    const res = await api(`/api/spaces/${spaceId}/members/${viewer.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'owner' },
    });
    expect(res.status).toBe(200);
    expect(v.parse(MemberResponseSchema, await res.json()).member).toMatchObject({
      userId: viewer.userId,
      role: 'owner',
    });
    expect((await api(`/api/spaces/${spaceId}/links`, { cookie: viewer.cookie })).status).toBe(200);
    const list = v.parse(
      SpaceListResponseSchema,
      await (await api('/api/spaces', { cookie: viewer.cookie })).json(),
    );
    expect(list.spaces[0]?.role).toBe('owner');
  });

  it('[M5] the last owner cannot step down; with a second owner they can', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const refused = await api(`/api/spaces/${spaceId}/members/${owner.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'editor' },
    });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('LAST_OWNER');
    expect((await rolesOf(owner.cookie, spaceId))[owner.userId]).toBe('owner');
    await api(`/api/spaces/${spaceId}/members/${editor.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'owner' },
    });
    const stepDown = await api(`/api/spaces/${spaceId}/members/${owner.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'viewer' },
    });
    expect(stepDown.status).toBe(200);
    expect(await rolesOf(editor.cookie, spaceId)).toEqual({
      [owner.userId]: 'viewer',
      [editor.userId]: 'owner',
    });
  });

  it('[M6][M7] an owner removes a member, who loses access at once and loses the space from their list', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    expect(
      (
        await api(`/api/spaces/${spaceId}/members/${editor.userId}`, {
          method: 'DELETE',
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(204);
    const after = await api(`/api/spaces/${spaceId}`, { cookie: editor.cookie });
    expect(after.status).toBe(404);
    expect(
      v.parse(SpaceListResponseSchema, await (await api('/api/spaces', { cookie: editor.cookie })).json())
        .spaces,
    ).toEqual([]);
    expect(Object.keys(await rolesOf(owner.cookie, spaceId))).toEqual([owner.userId]);
  });

  it('[M6] any member can leave; the last owner cannot, nor be removed', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const viewer = await addMember(owner.cookie, spaceId, 'viewer');
    expect(
      (await api(`/api/spaces/${spaceId}/leave`, { method: 'POST', cookie: viewer.cookie })).status,
    ).toBe(204);
    expect((await api(`/api/spaces/${spaceId}`, { cookie: viewer.cookie })).status).toBe(404);
    const leave = await api(`/api/spaces/${spaceId}/leave`, { method: 'POST', cookie: owner.cookie });
    expect(leave.status).toBe(409);
    expect((await errorOf(leave)).message).toContain('at least one owner');
    const remove = await api(`/api/spaces/${spaceId}/members/${owner.userId}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    expect((await errorOf(remove)).code).toBe('LAST_OWNER');
    expect((await api(`/api/spaces/${spaceId}`, { cookie: owner.cookie })).status).toBe(200);
  });

  it('[Z4] role changes and removals of non-members, or with bad input, change nothing', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const stranger = await signUp();
    const viewer = await addMember(owner.cookie, spaceId, 'viewer');
    const before = await rolesOf(owner.cookie, spaceId);
    const cases: [string, RequestInit & { json?: unknown }, number][] = [
      [`/members/${stranger.userId}`, { method: 'PATCH', json: { role: 'editor' } }, 404],
      [`/members/${stranger.userId}`, { method: 'DELETE' }, 404],
      [`/members/not-an-id`, { method: 'DELETE' }, 404],
      [`/members/${viewer.userId}`, { method: 'PATCH', json: { role: 'admin' } }, 400],
      [`/members/${viewer.userId}`, { method: 'PATCH', json: { role: 'editor', extra: 1 } }, 400],
      [
        `/members/${viewer.userId}`,
        { method: 'PATCH', body: '{not json', headers: { 'content-type': 'application/json' } },
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const res = await api(`/api/spaces/${spaceId}${path}`, { ...init, cookie: owner.cookie });
      expect(res.status, `${init.method} ${path}`).toBe(status);
    }
    expect(await rolesOf(owner.cookie, spaceId)).toEqual(before);
  });

  it('[Z4] a bad space name is refused and no space is made', async () => {
    const { cookie } = await signUp();
    for (const name of ['', '   ', 'x'.repeat(81), 'bell\u0007']) {
      const res = await api('/api/spaces', { method: 'POST', cookie, json: { name } });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect((await errorOf(res)).code).toBe('VALIDATION_FAILED');
    }
    expect(
      v.parse(SpaceListResponseSchema, await (await api('/api/spaces', { cookie })).json()).spaces,
    ).toEqual([]);
  });
});

describe('share link lifecycle', () => {
  it('[K5] an owner lists links with their use counts, never their tokens, and revokes one', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'editor', { maxUses: 5, expiresInMs: 3_600_000 });
    await api(`/api/join/${token}`, { method: 'POST', cookie: (await signUp()).cookie });
    const listRes = await api(`/api/spaces/${spaceId}/links`, { cookie: owner.cookie });
    const text = await listRes.clone().text();
    expect(text).not.toContain(token.split('.')[1]);
    const [link] = v.parse(LinkListResponseSchema, await listRes.json()).links;
    expect(link).toMatchObject({
      role: 'editor',
      uses: 1,
      maxUses: 5,
      state: 'active',
      createdBy: owner.username,
      revokedAt: null,
    });
    expect(link?.expiresAt).toBe((link?.createdAt ?? 0) + 3_600_000);
    expect(
      (await api(`/api/spaces/${spaceId}/links/${link?.linkId}`, { method: 'DELETE', cookie: owner.cookie }))
        .status,
    ).toBe(204);
    expect(
      (await api(`/api/spaces/${spaceId}/links/${link?.linkId}`, { method: 'DELETE', cookie: owner.cookie }))
        .status,
    ).toBe(204);
    expect((await linksOf(owner.cookie, spaceId))[0]?.state).toBe('revoked');
  });

  it('[K1] link tokens and ids are stored only as hashes', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer');
    const stored = await spaceSql(spaceId, (sql) =>
      JSON.stringify(sql.exec('SELECT * FROM share_links').toArray()),
    );
    expect(stored).not.toContain(token.split('.')[1]);
  });

  it('[K3] a revoked link says exactly that, to preview and to join', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer');
    const [link] = await linksOf(owner.cookie, spaceId);
    await api(`/api/spaces/${spaceId}/links/${link?.linkId}`, { method: 'DELETE', cookie: owner.cookie });
    const guest = await signUp();
    for (const res of [
      await api(`/api/join/${token}`),
      await api(`/api/join/${token}`, { method: 'POST', cookie: guest.cookie }),
    ]) {
      expect(res.status).toBe(410);
      expect(await errorOf(res)).toEqual({
        code: 'LINK_REVOKED',
        message: 'This share link has been revoked by an owner of the space.',
      });
    }
    expect(Object.keys(await rolesOf(owner.cookie, spaceId))).toEqual([owner.userId]);
  });

  it('[K3] an expired link says exactly that', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer', { expiresInMs: 60_000 });
    // Let the minute pass: move the stored expiry into the past.
    await spaceSql(spaceId, (sql) => sql.exec('UPDATE share_links SET expires_at = ?', Date.now() - 1));
    const res = await api(`/api/join/${token}`, { method: 'POST', cookie: (await signUp()).cookie });
    expect(res.status).toBe(410);
    expect(await errorOf(res)).toEqual({
      code: 'LINK_EXPIRED',
      message: 'This share link has expired. Ask an owner of the space for a new one.',
    });
    expect((await linksOf(owner.cookie, spaceId))[0]?.state).toBe('expired');
  });

  it('[K3] an unknown or malformed token is "not valid" and reveals nothing', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    for (const token of [`${spaceId}.${'A'.repeat(32)}`, 'garbage', `${spaceId}`]) {
      const res = await api(`/api/join/${token}`, { method: 'POST', cookie: owner.cookie });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).message).toBe(
        'This share link is not valid. Check that it was copied completely.',
      );
    }
  });

  it('[K4] a member opening a link for a weaker role keeps their role; a stronger link raises it', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const viewerLink = await createLink(owner.cookie, spaceId, 'viewer');
    const join = await api(`/api/join/${viewerLink}`, { method: 'POST', cookie: editor.cookie });
    expect(await join.json()).toMatchObject({ role: 'editor' });
    expect((await linksOf(owner.cookie, spaceId)).find((l) => l.role === 'viewer')?.uses).toBe(0);
    const ownerLink = await createLink(owner.cookie, spaceId, 'owner');
    await api(`/api/join/${ownerLink}`, { method: 'POST', cookie: editor.cookie });
    expect((await rolesOf(owner.cookie, spaceId))[editor.userId]).toBe('owner');
    expect(await membersOf(owner.cookie, spaceId)).toHaveLength(2);
  });

  it('[K1][Z4] bad link requests are refused and store nothing', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    for (const json of [
      { role: 'admin' },
      { role: 'viewer', maxUses: 0 },
      { role: 'viewer', expiresInMs: 10 },
      { role: 'viewer', maxUses: 1.5 },
      { role: 'viewer', x: 1 },
    ]) {
      const res = await api(`/api/spaces/${spaceId}/links`, { method: 'POST', cookie: owner.cookie, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    expect(await linksOf(owner.cookie, spaceId)).toEqual([]);
  });

  it('[K4] a removed member may come back through a link that is still valid', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const token = await createLink(owner.cookie, spaceId, 'viewer');
    const guest = await signUp();
    await api(`/api/join/${token}`, { method: 'POST', cookie: guest.cookie });
    await api(`/api/spaces/${spaceId}/members/${guest.userId}`, { method: 'DELETE', cookie: owner.cookie });
    expect((await api(`/api/join/${token}`, { method: 'POST', cookie: guest.cookie })).status).toBe(200);
    expect((await rolesOf(owner.cookie, spaceId))[guest.userId]).toBe('viewer');
  });
});
