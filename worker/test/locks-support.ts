import { env } from 'cloudflare:workers';
import * as v from 'valibot';
import {
  AcquireResponseSchema,
  LockSocketServerMessageSchema,
  type LockSocketServerMessage,
} from '#shared/locks/schemas';
import { lockStub as lockStubOf } from '../src/objects/stubs';
import { addMember, api, createSpace, signUp } from './support/accounts';

let counter = 0;
/** A fresh request id. */
export const rid = () => `req-${Date.now().toString(36)}-${++counter}`;

/** The API path of a lock (its name as one URL-encoded segment). */
export const lockPath = (spaceId: string, name: string, action = '') =>
  `/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;

/** POSTs JSON to a lock action and answers status and parsed body. */
export async function post(
  cookie: string,
  spaceId: string,
  name: string,
  action: string,
  json: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await api(lockPath(spaceId, name, action), { method: 'POST', cookie, json });
  return { status: res.status, body: await res.json() };
}

/** Acquires a free lock over HTTP and answers its token (throws when it is not granted). */
export async function grantedToken(cookie: string, spaceId: string, name: string): Promise<number> {
  const answer = v.parse(
    AcquireResponseSchema,
    (await post(cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
  );
  if (answer.status !== 'granted') throw new Error(`expected a grant of ${name}`);
  return answer.token;
}

/** The lock's Durable Object stub. */
export function lockStub(spaceId: string, name: string) {
  return lockStubOf(env, spaceId, name);
}

/** The space's Durable Object stub. */
export function spaceStubOf(spaceId: string) {
  return env.SPACES.get(env.SPACES.idFromName(spaceId));
}

/** A WebSocket opened through the Worker, collecting parsed messages. */
export class TestSocket {
  readonly messages: unknown[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener('message', (event) => {
      this.messages.push(JSON.parse(String(event.data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(cookie: string, path: string): Promise<TestSocket> {
    const res = await api(path, { cookie, headers: { upgrade: 'websocket' } });
    if (res.status !== 101 || !res.webSocket)
      throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    return new TestSocket(res.webSocket);
  }

  /** Waits until a message matching `match` has arrived, and answers it. */
  async next<T>(match: (message: unknown) => message is T, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private nextId = 1;
  /** Sends a lock command and waits for its reply. */
  async command(command: Record<string, unknown>): Promise<LockSocketServerMessage & { type: 'reply' }> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ ...command, id }));
    return this.next((m): m is LockSocketServerMessage & { type: 'reply' } => {
      const parsed = v.safeParse(LockSocketServerMessageSchema, m);
      return parsed.success && parsed.output.type === 'reply' && parsed.output.id === id;
    });
  }
}

/** A signed-up person of the tests. */
export type Person = { cookie: string; userId: string; username: string };

/** A new space with its owner, two editors (ana holds, bob asks) and a viewer. */
export async function spaceWithPeople(): Promise<{
  spaceId: string;
  owner: Person;
  ana: Person;
  bob: Person;
  viewer: Person;
}> {
  const owner = await signUp();
  const { spaceId } = await createSpace(owner.cookie);
  const ana = await addMember(owner.cookie, spaceId, 'editor');
  const bob = await addMember(owner.cookie, spaceId, 'editor');
  const viewer = await addMember(owner.cookie, spaceId, 'viewer');
  return { spaceId, owner, ana, bob, viewer };
}

/** Takes a checkout (L19) of `name` over HTTP and answers its token (throws when it is not granted). */
export async function checkoutToken(cookie: string, spaceId: string, name: string): Promise<number> {
  const answer = v.parse(
    AcquireResponseSchema,
    (await post(cookie, spaceId, name, 'acquire', { requestId: rid(), kind: 'checkout' })).body,
  );
  if (answer.status !== 'granted') throw new Error(`expected a checkout of ${name}`);
  return answer.token;
}
