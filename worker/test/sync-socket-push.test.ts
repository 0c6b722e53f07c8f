import { beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { SpaceSocketMessageSchema, type SpaceSocketMessage } from '#shared/socket';
import { MAX_CLOCK_SKEW_MS, formatStamp } from '#shared/sync/hlc';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, pullAll } from './support/sync';

// Pushes over the space's socket (S29): the same checks, the same one push path and the same
// answers as `POST …/sync/push`; refusals are answered on the socket, store nothing and leave it open.

interface Socket {
  ws: WebSocket;
  next(type: SpaceSocketMessage['type']): Promise<SpaceSocketMessage>;
  closed: () => boolean;
}

async function openSocket(spaceId: string, cookie: string): Promise<Socket> {
  const res = await api(`/api/spaces/${spaceId}/socket`, { cookie, headers: { upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade failed: ${res.status}`);
  const seen: SpaceSocketMessage[] = [];
  const waiting: { type: string; resolve: (m: SpaceSocketMessage) => void }[] = [];
  let closed = false;
  ws.addEventListener('close', () => (closed = true));
  ws.addEventListener('message', (event) => {
    if (typeof event.data !== 'string' || event.data === 'pong') return;
    const parsed = v.safeParse(SpaceSocketMessageSchema, JSON.parse(event.data));
    if (!parsed.success) return;
    const at = waiting.findIndex((w) => w.type === parsed.output.type);
    if (at >= 0) waiting.splice(at, 1)[0]!.resolve(parsed.output);
    else seen.push(parsed.output);
  });
  ws.accept();
  return {
    ws,
    closed: () => closed,
    next: (type) => {
      const at = seen.findIndex((m) => m.type === type);
      if (at >= 0) return Promise.resolve(seen.splice(at, 1)[0]!);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

let spaceId: string;
let editor: { cookie: string };
let viewer: { cookie: string };

beforeAll(async () => {
  const owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  editor = await addMember(owner.cookie, spaceId, 'editor');
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
});

async function titles(): Promise<Map<string, unknown>> {
  const { changes } = await pullAll(viewer.cookie, spaceId);
  return new Map(changes.map((c) => [c.item.id, c.item.fields['title']?.v]));
}

describe('pushes over the space socket (S29)', () => {
  it('[S29] an editor pushes over the socket: applied, answered with the push reply, poked to the others', async () => {
    const socket = await openSocket(spaceId, editor.cookie);
    const other = await openSocket(spaceId, viewer.cookie);
    const client = clientId();
    const batch = [mutation(client, 'sock0001', { title: 'over the socket' })];
    socket.ws.send(
      JSON.stringify({ type: 'push', id: 'p1', request: { clientId: client, mutations: batch } }),
    );
    const reply = await socket.next('pushed');
    expect(reply).toMatchObject({ type: 'pushed', id: 'p1' });
    if (reply.type !== 'pushed') throw new Error('expected pushed');
    expect(reply.response.results.map((r) => r.status)).toEqual(['applied']);
    const poke = await other.next('poke');
    expect(poke).toMatchObject({ type: 'poke', seq: reply.response.head });
    expect((await titles()).get('sock0001')).toBe('over the socket');

    // Sent again (a reply lost with a dropped socket): applied once, answered the same (S3).
    socket.ws.send(
      JSON.stringify({ type: 'push', id: 'p2', request: { clientId: client, mutations: batch } }),
    );
    const again = await socket.next('pushed');
    if (again.type !== 'pushed') throw new Error('expected pushed');
    expect(again.response.head).toBe(reply.response.head);
    socket.ws.close(1000);
    other.ws.close(1000);
  });

  it('[S29] refusals carry the HTTP code and status, store nothing and leave the socket open', async () => {
    const editorSocket = await openSocket(spaceId, editor.cookie);
    const viewerSocket = await openSocket(spaceId, viewer.cookie);
    const client = clientId();
    const before = await titles();
    const cases: [Socket, string, string, number][] = [
      [
        viewerSocket,
        JSON.stringify({
          type: 'push',
          id: 'v1',
          request: { clientId: client, mutations: [mutation(client, 'sock0002', { title: 'viewer' })] },
        }),
        'FORBIDDEN',
        403,
      ],
      [editorSocket, '{"type":"push","id":"j1", not json', 'BAD_REQUEST', 400],
      [
        editorSocket,
        JSON.stringify({ type: 'push', id: 's1', request: { clientId: client, mutations: [] } }),
        'VALIDATION_FAILED',
        400,
      ],
      [
        editorSocket,
        JSON.stringify({
          type: 'push',
          id: 'c1',
          request: {
            clientId: client,
            mutations: [
              mutation(
                client,
                'sock0003',
                { title: 'from the future' },
                {
                  stamp: formatStamp({ wall: Date.now() + MAX_CLOCK_SKEW_MS * 3, counter: 0, node: client }),
                },
              ),
            ],
          },
        }),
        'CLOCK_SKEW',
        400,
      ],
    ];
    for (const [socket, text, code, status] of cases) {
      socket.ws.send(text);
      const reply = await socket.next('push-failed');
      expect(reply).toMatchObject({ type: 'push-failed', status, error: { code } });
      if (reply.type === 'push-failed') expect(reply.error.message.length).toBeGreaterThan(10);
    }
    expect(await titles()).toEqual(before);
    expect(editorSocket.closed() || viewerSocket.closed()).toBe(false);
    editorSocket.ws.close(1000);
    viewerSocket.ws.close(1000);
  });

  it('[S29] a member removed while connected can no longer push on that socket', async () => {
    const owner = await signUp();
    const space = await createSpace(owner.cookie);
    const member = await addMember(owner.cookie, space.spaceId, 'editor');
    const socket = await openSocket(space.spaceId, member.cookie);
    await api(`/api/spaces/${space.spaceId}/members/${member.userId}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    const client = clientId();
    try {
      socket.ws.send(
        JSON.stringify({
          type: 'push',
          id: 'r1',
          request: { clientId: client, mutations: [mutation(client, 'sock0004', { title: 'too late' })] },
        }),
      );
    } catch {
      // The socket was already closed (4003): nothing could be pushed.
    }
    const { changes } = await pullAll(owner.cookie, space.spaceId);
    expect(changes.map((c) => c.item.id)).not.toContain('sock0004');
  });
});
