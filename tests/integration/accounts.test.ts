import { describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api-client';

describe('accounts over real HTTP', () => {
  const client = apiClient(inject('baseUrl'));

  it('[A1][M1][K2] a user signs up, creates a space, and a second user joins through a link', async () => {
    const owner = await client.signUp();
    const again = await client.signIn(owner.username);
    const { spaceId } = await client.createSpace(again.cookie, 'Over HTTP');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const res = await client.api(`/api/spaces/${spaceId}`, { cookie: editor.cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ space: { spaceId, name: 'Over HTTP', role: 'editor' } });
  });
});
