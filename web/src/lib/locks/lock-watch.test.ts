import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LockSummary } from '#shared/locks/schemas';
import { watchLocks } from './lock-watch';

type Listener = (event: { data?: unknown }) => void;

/** A space socket the test drives by hand. */
class FakeSpaceSocket {
  readonly listeners = new Map<string, Listener[]>();
  sent: string[] = [];
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    for (const listener of this.listeners.get('close') ?? []) listener({});
  }
  receive(message: unknown): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: JSON.stringify(message) });
  }
}

const lock = (name: string, rev: number, holder: string | null, queueLength = 0): LockSummary => ({
  name,
  holder: holder
    ? {
        userId: holder,
        username: holder,
        token: rev,
        kind: 'lease',
        via: 'app',
        grantedAt: 1,
        expiresAt: 60_001,
      }
    : null,
  lastToken: rev,
  queueLength,
  rev,
});
const event = (l: LockSummary) => ({
  type: 'lock',
  kind: 'granted',
  at: 1,
  requestId: null,
  token: l.lastToken,
  lock: l,
});

describe('watchLocks', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('loads the list on hello, then keeps the newest summary per lock from live events', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify({ locks: [lock('a.psd', 3, 'alice')] }), { status: 200 }),
        ),
      ),
    );
    const socket = new FakeSpaceSocket();
    const seen: string[][] = [];
    const watch = watchLocks({
      baseUrl: 'http://baton.test',
      spaceId: 'space',
      openSocket: () => socket as unknown as WebSocket,
      onChange: (locks) =>
        seen.push(locks.map((l) => `${l.name}:${l.holder?.username ?? '-'}:${l.queueLength}`)),
    });
    socket.receive({ type: 'hello', protocol: 1 });
    await vi.waitFor(() => expect(seen).toEqual([['a.psd:alice:0']]));
    socket.receive(event(lock('b.md', 1, 'bob')));
    socket.receive(event(lock('a.psd', 2, 'carol'))); // older than what we have: ignored
    socket.receive(event(lock('a.psd', 5, null, 2))); // free but contended: still listed
    socket.receive(event(lock('b.md', 2, null))); // free, nobody waiting: gone
    socket.receive({ type: 'poke', seq: 9 }); // another area's message: ignored
    expect(seen.at(-1)).toEqual(['a.psd:-:2']);
    watch.close();
  });

  it('stops when the caller lost access to the space', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify({ code: 'NOT_FOUND', message: 'No such space' }), { status: 404 }),
        ),
      ),
    );
    const socket = new FakeSpaceSocket();
    const stopped: string[] = [];
    watchLocks({
      baseUrl: 'http://baton.test',
      spaceId: 'space',
      openSocket: () => socket as unknown as WebSocket,
      onChange: () => {},
      onStop: (r) => stopped.push(r),
    });
    socket.receive({ type: 'hello', protocol: 1 });
    await vi.waitFor(() => expect(stopped).toEqual(['No such space']));
  });
});
