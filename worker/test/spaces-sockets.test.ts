import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { SessionListResponseSchema } from '#shared/accounts/auth';
import { addMember, api, createSpace, signUp } from './support/accounts';

/** Opens the space's WebSocket and answers a promise of its close code. */
async function openSocket(spaceId: string, cookie: string): Promise<{ closed: Promise<number> }> {
  const res = await api(`/api/spaces/${spaceId}/socket`, { cookie, headers: { upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade failed: ${res.status}`);
  const closed = new Promise<number>((resolve) =>
    ws.addEventListener('close', (event) => resolve(event.code)),
  );
  ws.accept();
  return { closed };
}

describe('live sockets follow membership and sessions', () => {
  it("[M7] a removed member's socket is closed at once", async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const socket = await openSocket(spaceId, editor.cookie);
    await api(`/api/spaces/${spaceId}/members/${editor.userId}`, { method: 'DELETE', cookie: owner.cookie });
    expect(await socket.closed).toBe(4003);
  });

  it('[M5] a member whose role changes is made to reconnect', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const editor = await addMember(owner.cookie, spaceId, 'editor');
    const socket = await openSocket(spaceId, editor.cookie);
    await api(`/api/spaces/${spaceId}/members/${editor.userId}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { role: 'viewer' },
    });
    expect(await socket.closed).toBe(4003);
  });

  it("[A7] revoking a session closes that session's sockets, and only those", async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie);
    const other = await api('/api/auth/sign-in', {
      method: 'POST',
      json: { username: owner.username, password: 'correct horse battery staple' },
      headers: { 'cf-connecting-ip': '198.18.1.1' },
    });
    const otherCookie = (other.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const first = await openSocket(spaceId, owner.cookie);
    const second = await openSocket(spaceId, otherCookie);
    let firstClosed = false;
    void first.closed.then(() => (firstClosed = true));
    const sessions = v.parse(
      SessionListResponseSchema,
      await (await api('/api/auth/sessions', { cookie: owner.cookie })).json(),
    ).sessions;
    const target = sessions.find((s) => !s.current);
    await api(`/api/auth/sessions/${target?.sessionId}`, { method: 'DELETE', cookie: owner.cookie });
    expect(await second.closed).toBe(4003);
    expect(firstClosed).toBe(false);
    await api('/api/auth/sign-out', { method: 'POST', cookie: owner.cookie });
    expect(await first.closed).toBe(4003);
  });
});
