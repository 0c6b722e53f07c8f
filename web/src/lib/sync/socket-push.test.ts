import { describe, expect, it, vi } from 'vitest';
import { SOCKET_PUSH_MAX_BYTES } from '#shared/socket';
import type { PushRequest } from '#shared/sync/protocol';
import { SocketPusher } from './socket-push';
import type { SyncError } from './sync-error';

const request = (body = 'x'): PushRequest => ({
  clientId: 'clientAAAAAAAAAAAAAAAA',
  mutations: [
    { id: 'mutationAAAA', itemId: 'itemAAAA', kind: 'note', stamp: '0', set: { body: { v: body, b: null } } },
  ],
});
const hello = (protocol: number) => ({ type: 'hello', protocol }) as const;

describe('pushes over the space socket (S29)', () => {
  it('[S29] only once the hello says the server takes them, and only when small enough', () => {
    const sent: string[] = [];
    const pusher = new SocketPusher((text) => sent.push(text));
    expect(pusher.push(request())).toBeNull();
    pusher.take(hello(3));
    expect(pusher.push(request())).toBeNull();
    pusher.take(hello(4));
    expect(pusher.push(request('y'.repeat(SOCKET_PUSH_MAX_BYTES)))).toBeNull();
    expect(sent).toEqual([]);
    void pusher.push(request());
    expect(sent.map((text) => JSON.parse(text) as { type: string; id: string })).toEqual([
      expect.objectContaining({ type: 'push', id: 'p1' }),
    ]);
  });

  it('[S29] answers pair with their push; a refusal keeps the route’s code and reaction; a close fails what waits as a network error', async () => {
    const pusher = new SocketPusher(() => undefined);
    pusher.take(hello(4));
    const first = pusher.push(request())!;
    const second = pusher.push(request())!;
    const third = pusher.push(request())!;
    const response = { results: [], head: 7, serverTime: 1 };
    expect(pusher.take({ type: 'pushed', id: 'p2', response })).toBe(true);
    await expect(second).resolves.toEqual(response);
    pusher.take({
      type: 'push-failed',
      id: 'p1',
      status: 403,
      error: { code: 'FORBIDDEN', message: 'This needs the editor role in this space; you are a viewer.' },
    });
    await expect(first).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      reaction: 'reject',
    } satisfies Partial<SyncError>);
    pusher.close();
    await expect(third).rejects.toMatchObject({ code: 'NETWORK', reaction: 'retry' });
    expect(pusher.push(request())).toBeNull();
  });

  it('[S29] a push not answered in time fails as a network error and the socket is given up', async () => {
    vi.useFakeTimers();
    try {
      let stuck = 0;
      const pusher = new SocketPusher(
        () => undefined,
        () => (stuck += 1),
      );
      pusher.take(hello(4));
      const waiting = pusher.push(request())!;
      const failed = expect(waiting).rejects.toMatchObject({ code: 'NETWORK', reaction: 'retry' });
      await vi.advanceTimersByTimeAsync(10_000);
      await failed;
      expect(stuck).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
