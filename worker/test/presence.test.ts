import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { SpaceSocketMessageSchema, type SpaceSocketMessage } from '#shared/socket';
import { addMember, api, createSpace, signUp } from './support/accounts';

// Presence (S26) over the space's real WebSocket: relayed to the other sockets with the sender's
// name, never echoed to the sender, never stored, and a closed socket is relayed as gone.

interface LiveSocket {
  ws: WebSocket;
  /** Resolves with the next presence message this socket receives. */
  nextPresence(): Promise<Extract<SpaceSocketMessage, { type: 'presence' }>>;
  /** Every presence message received so far. */
  presences: Extract<SpaceSocketMessage, { type: 'presence' }>[];
}

async function openSocket(spaceId: string, cookie: string): Promise<LiveSocket> {
  const res = await api(`/api/spaces/${spaceId}/socket`, { cookie, headers: { upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade failed: ${res.status}`);
  const presences: LiveSocket['presences'] = [];
  const waiting: ((m: LiveSocket['presences'][number]) => void)[] = [];
  ws.addEventListener('message', (event) => {
    if (typeof event.data !== 'string' || event.data === 'pong') return;
    const parsed = v.safeParse(SpaceSocketMessageSchema, JSON.parse(event.data));
    if (!parsed.success || parsed.output.type !== 'presence') return;
    presences.push(parsed.output);
    waiting.shift()?.(parsed.output);
  });
  ws.accept();
  return {
    ws,
    presences,
    nextPresence: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** A round trip through the object: once a later message from `from` reached `to`, earlier ones did too. */
async function settle(from: LiveSocket, to: LiveSocket): Promise<void> {
  const next = to.nextPresence();
  from.ws.send(JSON.stringify({ type: 'presence', itemId: 'marker', state: 'viewing' }));
  await next;
}

async function twoMembers() {
  const owner = await signUp();
  const { spaceId } = await createSpace(owner.cookie);
  const viewer = await addMember(owner.cookie, spaceId, 'viewer');
  return { owner, viewer, spaceId };
}

describe('presence on the space socket (S26)', () => {
  it('[S26] what one member sends reaches the others with their name, and not the sender', async () => {
    const { owner, viewer, spaceId } = await twoMembers();
    const ownerSocket = await openSocket(spaceId, owner.cookie);
    const viewerSocket = await openSocket(spaceId, viewer.cookie);

    const heard = viewerSocket.nextPresence();
    ownerSocket.ws.send(JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing' }));
    const message = await heard;
    expect(message).toMatchObject({ username: owner.username, itemId: 'note-1', state: 'editing' });
    expect(message.connId).toEqual(expect.any(String));

    // A viewer may say it has the item open; the owner hears it by the viewer's name.
    const ownerHears = ownerSocket.nextPresence();
    viewerSocket.ws.send(JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'viewing' }));
    expect(await ownerHears).toMatchObject({ username: viewer.username, itemId: 'note-1', state: 'viewing' });

    await settle(viewerSocket, ownerSocket);
    expect(ownerSocket.presences.every((p) => p.username === viewer.username)).toBe(true);
    ownerSocket.ws.close(1000);
    viewerSocket.ws.close(1000);
  });

  it('[S26] a socket that closes is relayed as gone (itemId null)', async () => {
    const { owner, viewer, spaceId } = await twoMembers();
    const ownerSocket = await openSocket(spaceId, owner.cookie);
    const viewerSocket = await openSocket(spaceId, viewer.cookie);
    const heard = viewerSocket.nextPresence();
    ownerSocket.ws.send(JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing' }));
    const editing = await heard;

    const gone = viewerSocket.nextPresence();
    ownerSocket.ws.close(1000, 'closing the tab');
    expect(await gone).toMatchObject({ connId: editing.connId, username: owner.username, itemId: null });
    viewerSocket.ws.close(1000);
  });

  it('[S26] malformed or oversized presence is ignored: nothing is relayed and the socket stays open', async () => {
    const { owner, viewer, spaceId } = await twoMembers();
    const ownerSocket = await openSocket(spaceId, owner.cookie);
    const viewerSocket = await openSocket(spaceId, viewer.cookie);
    let closed = false;
    ownerSocket.ws.addEventListener('close', () => (closed = true));

    for (const bad of [
      'not json',
      JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'typing' }),
      JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing', username: 'mallory' }),
      JSON.stringify({ type: 'presence', itemId: 'x'.repeat(101), state: 'editing' }),
      JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing', pad: 'x'.repeat(1000) }),
      new Uint8Array([1, 2, 3]),
    ]) {
      ownerSocket.ws.send(bad);
    }
    // Messages on one socket are handled in order: the marker arriving means the bad ones were seen.
    await settle(ownerSocket, viewerSocket);
    expect(viewerSocket.presences.map((p) => p.itemId)).toEqual(['marker']);
    expect(viewerSocket.presences[0]?.username).toBe(owner.username);
    expect(closed).toBe(false);
    ownerSocket.ws.close(1000);
    viewerSocket.ws.close(1000);
  });

  it('[S26] presence is never stored: a socket that joins later hears nothing of earlier presence', async () => {
    const { owner, viewer, spaceId } = await twoMembers();
    const ownerSocket = await openSocket(spaceId, owner.cookie);
    ownerSocket.ws.send(JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing' }));
    const viewerSocket = await openSocket(spaceId, viewer.cookie);
    await settle(ownerSocket, viewerSocket);
    expect(viewerSocket.presences.map((p) => p.itemId)).toEqual(['marker']);
    ownerSocket.ws.close(1000);
    viewerSocket.ws.close(1000);
  });

  it('[S26] a removed member stops hearing presence: their socket is closed', async () => {
    const { owner, viewer, spaceId } = await twoMembers();
    const viewerSocket = await openSocket(spaceId, viewer.cookie);
    const closed = new Promise<number>((resolve) =>
      viewerSocket.ws.addEventListener('close', (event) => resolve(event.code)),
    );
    await api(`/api/spaces/${spaceId}/members/${viewer.userId}`, { method: 'DELETE', cookie: owner.cookie });
    expect(await closed).toBe(4003);
    const ownerSocket = await openSocket(spaceId, owner.cookie);
    ownerSocket.ws.send(JSON.stringify({ type: 'presence', itemId: 'note-1', state: 'editing' }));
    const third = await addMember(owner.cookie, spaceId, 'editor');
    const thirdSocket = await openSocket(spaceId, third.cookie);
    await settle(ownerSocket, thirdSocket);
    expect(viewerSocket.presences).toEqual([]);
    ownerSocket.ws.close(1000);
    thirdSocket.ws.close(1000);
  });
});
