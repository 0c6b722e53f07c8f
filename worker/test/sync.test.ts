import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatStamp, MAX_CLOCK_SKEW_MS } from '#shared/sync/hlc';
import * as v from 'valibot';
import { MAX_PUSH_MUTATIONS, POKE_PAGE_MAX_CHANGES, PokeMessageSchema } from '#shared/sync/protocol';
import { ChangeLog } from '../src/space/change-log';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, pullAll, push, pushRaw } from './support/sync';

let owner: { cookie: string };
let spaceId: string;
let editor: { cookie: string; userId: string };
let viewer: { cookie: string };

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  editor = await addMember(owner.cookie, spaceId, 'editor');
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
});

async function head(): Promise<number> {
  const res = await api(`/api/spaces/${spaceId}/sync/pull?after=0&limit=1`, { cookie: owner.cookie });
  return (await res.json<{ head: number }>()).head;
}

describe('sync push and pull', () => {
  it('[S1] [S10] an editor pushes; a viewer pulls the items back in sequence order', async () => {
    const client = clientId();
    const batch = [
      mutation(client, 'note0001', { title: 'a' }),
      mutation(client, 'note0002', { title: 'b' }),
    ];
    const reply = await push(editor.cookie, spaceId, client, batch);
    expect(reply.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const { changes } = await pullAll(viewer.cookie, spaceId);
    const byId = new Map(changes.map((c) => [c.item.id, c.item]));
    expect(byId.get('note0001')?.fields.title).toEqual({ v: 'a', s: batch[0]!.stamp });
    expect(changes.map((c) => c.seq)).toEqual([...changes.map((c) => c.seq)].sort((a, b) => a - b));
  });

  it('[S2] viewers cannot push; non-members learn nothing', async () => {
    const client = clientId();
    const res = await pushRaw(viewer.cookie, spaceId, {
      clientId: client,
      mutations: [mutation(client, 'note0009', { t: 1 })],
    });
    expect(res.status).toBe(403);
    const stranger = await signUp();
    const pull = await api(`/api/spaces/${spaceId}/sync/pull?after=0`, { cookie: stranger.cookie });
    expect(pull.status).toBe(404);
    expect(await pull.text()).not.toContain('note0001');
  });

  it('[S3] a retried batch is applied once and answered the same', async () => {
    const client = clientId();
    const batch = [mutation(client, 'note0003', { title: 'once' })];
    const first = await push(editor.cookie, spaceId, client, batch);
    const before = await head();
    const second = await push(editor.cookie, spaceId, client, batch);
    expect(second.results).toEqual(first.results);
    expect(await head()).toBe(before);
  });

  it('[S6] a concurrent losing write comes back as a conflict copy every replica pulls', async () => {
    const a = clientId();
    const b = clientId();
    const older = {
      ...mutation(a, 'note0004', { title: 'from A' }),
      stamp: formatStamp({ wall: Date.now() - 1000, counter: 0, node: a }),
    };
    await push(editor.cookie, spaceId, b, [mutation(b, 'note0004', { title: 'from B' })]);
    const reply = await push(owner.cookie, spaceId, a, [older]);
    expect(reply.results[0]).toEqual({ id: older.id, status: 'applied', copies: [`${older.id}~l`] });
    const { changes } = await pullAll(viewer.cookie, spaceId);
    const copy = changes.find((c) => c.item.id === `${older.id}~l`)?.item;
    expect(copy?.fields.title?.v).toBe('from A');
    expect(copy?.conflict).toMatchObject({ of: 'note0004', reason: 'lost' });
    expect(changes.find((c) => c.item.id === 'note0004')?.item.fields.title?.v).toBe('from B');
  });
});

describe('[S9] bad input gets a 4xx and stores nothing of the batch', () => {
  const cases: [string, (client: string) => unknown, number, string][] = [
    ['malformed body', () => ({ mutations: 'nope' }), 400, 'VALIDATION_FAILED'],
    [
      'unknown item kind',
      (c) => ({
        clientId: c,
        mutations: [
          mutation(c, 'note0100', { t: 1 }),
          { ...mutation(c, 'note0101', { t: 1 }), kind: 'spreadsheet' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'too many mutations',
      (c) => ({
        clientId: c,
        mutations: Array.from({ length: MAX_PUSH_MUTATIONS + 1 }, (_, i) =>
          mutation(c, `bulk${String(i).padStart(6, '0')}`, { t: i }),
        ),
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'body over the byte bound',
      (c) => ({
        clientId: c,
        mutations: Array.from({ length: 17 }, (_, i) =>
          mutation(c, `big${String(i).padStart(6, '0')}`, { t: 'x'.repeat(250_000) }),
        ),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'one mutation over its bound',
      (c) => ({
        clientId: c,
        mutations: [mutation(c, 'note0102', { t: 1 }), mutation(c, 'note0103', { t: 'y'.repeat(300_000) })],
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'stamp beyond the skew bound',
      (c) => ({
        clientId: c,
        mutations: [
          mutation(c, 'note0104', { t: 1 }),
          {
            ...mutation(c, 'note0105', { t: 1 }),
            stamp: formatStamp({ wall: Date.now() + MAX_CLOCK_SKEW_MS + 60_000, counter: 0, node: c }),
          },
        ],
      }),
      400,
      'CLOCK_SKEW',
    ],
    [
      'stamp of another client',
      (c) => ({ clientId: c, mutations: [mutation('someoneElse', 'note0106', { t: 1 })] }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'reserved field name',
      (c) => ({ clientId: c, mutations: [mutation(c, 'note0107', { $owner: 'me' })] }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown property',
      (c) => ({ clientId: c, mutations: [{ ...mutation(c, 'note0108', { t: 1 }), extra: true }] }),
      400,
      'VALIDATION_FAILED',
    ],
  ];
  for (const [name, body, status, code] of cases) {
    it(name, async () => {
      const before = await head();
      const res = await pushRaw(editor.cookie, spaceId, body(clientId()));
      expect(res.status).toBe(status);
      expect((await res.json<{ code: string }>()).code).toBe(code);
      expect(await head()).toBe(before);
    });
  }

  it('a bad pull query is a 400', async () => {
    const res = await api(`/api/spaces/${spaceId}/sync/pull?after=-1`, { cookie: viewer.cookie });
    expect(res.status).toBe(400);
  });
});

describe('durability', () => {
  it('[S3] a batch that fails midway stores nothing', async () => {
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    const client = clientId();
    const batch = [
      mutation(client, 'half0001', { t: 1 }),
      mutation(client, 'half0002', { t: 2 }),
      mutation(client, 'half0003', { t: 3 }),
    ];
    await runInDurableObject(stub, (_instance, state) => {
      const log = new ChangeLog(state.storage, (name) => {
        if (name === 'half0002') throw new Error('storage failed midway');
        return { ok: true };
      });
      const before = log.head();
      expect(() => log.push(batch, editor.userId)).toThrow('storage failed midway');
      expect(log.head()).toBe(before);
      const rows = state.storage.sql.exec('SELECT id FROM sync_items WHERE id LIKE ?', 'half%').toArray();
      expect(rows).toEqual([]);
      expect(
        state.storage.sql.exec('SELECT id FROM sync_mutations WHERE id = ?', batch[0]!.id).toArray(),
      ).toEqual([]);
    });
  });

  it('[S3] eviction in the middle of a push loses nothing once the client retries', async () => {
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    const client = clientId();
    const batch = Array.from({ length: 40 }, (_, i) =>
      mutation(client, `evict${String(i).padStart(4, '0')}`, { n: i }),
    );
    const inFlight = pushRaw(editor.cookie, spaceId, { clientId: client, mutations: batch }).catch(
      () => null,
    );
    await evictDurableObject(stub);
    await inFlight;
    const retry = await push(editor.cookie, spaceId, client, batch);
    expect(retry.results.every((r) => r.status === 'applied')).toBe(true);
    const again = await push(editor.cookie, spaceId, client, batch);
    expect(again.head).toBe(retry.head);
    const { changes } = await pullAll(viewer.cookie, spaceId);
    for (const [i, m] of batch.entries()) {
      expect(changes.find((c) => c.item.id === m.itemId)?.item.fields.n).toEqual({ v: i, s: m.stamp });
    }
  });

  it('[S10] pagination returns every change once, also while writes land between pages', async () => {
    const client = clientId();
    const ids = Array.from({ length: 30 }, (_, i) => `page${String(i).padStart(4, '0')}`);
    await push(
      editor.cookie,
      spaceId,
      client,
      ids.map((id) => mutation(client, id, { v: 1 })),
    );
    const seen: number[] = [];
    const items = new Map<string, number>();
    let after = 0;
    let page = 0;
    for (;;) {
      const res = await api(`/api/spaces/${spaceId}/sync/pull?after=${after}&limit=7`, {
        cookie: viewer.cookie,
      });
      const body = await res.json<{
        changes: { seq: number; item: { id: string; fields: Record<string, { v: unknown }> } }[];
        next: number;
        more: boolean;
      }>();
      for (const change of body.changes) {
        seen.push(change.seq);
        items.set(change.item.id, change.item.fields.v?.v as number);
      }
      after = body.next;
      page += 1;
      // Between pages another write lands on an item already pulled: it must come again, later.
      if (page === 2) await push(editor.cookie, spaceId, client, [mutation(client, ids[0]!, { v: 2 })]);
      if (!body.more) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    for (const id of ids) expect(items.has(id)).toBe(true);
    expect(items.get(ids[0]!)).toBe(2);
  });
});

describe('[S8] fencing', () => {
  async function acquire(cookie: string, name: string): Promise<number> {
    const res = await api(`/api/spaces/${spaceId}/locks/${name}/acquire`, {
      method: 'POST',
      cookie,
      json: { requestId: `req${Math.random().toString(36).slice(2, 12)}` },
    });
    const body = await res.json<{ status: string; token: number }>();
    expect(body.status).toBe('granted');
    return body.token;
  }

  it('a write to an item checked out by someone else is rejected and kept as a conflict copy', async () => {
    const client = clientId();
    await push(editor.cookie, spaceId, client, [mutation(client, 'locked01', { title: 'original' })]);
    await acquire(owner.cookie, 'locked01');
    const write = mutation(client, 'locked01', { title: 'sneaky' });
    const reply = await push(editor.cookie, spaceId, client, [write]);
    expect(reply.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED', copies: [`${write.id}~f`] });
    const { changes } = await pullAll(viewer.cookie, spaceId);
    expect(changes.find((c) => c.item.id === 'locked01')?.item.fields.title?.v).toBe('original');
    expect(changes.find((c) => c.item.id === `${write.id}~f`)?.item.fields.title?.v).toBe('sneaky');
  });

  it('the holder writes with its token; a stale token after the lock moved on is fenced', async () => {
    const client = clientId();
    const token = await acquire(editor.cookie, 'locked02');
    const ok = await push(editor.cookie, spaceId, client, [
      mutation(client, 'locked02', { title: 'mine' }, { lock: { name: 'locked02', token } }),
    ]);
    expect(ok.results[0]?.status).toBe('applied');
    const release = await api(`/api/spaces/${spaceId}/locks/locked02/release`, {
      method: 'POST',
      cookie: editor.cookie,
      json: { token },
    });
    expect(release.status).toBe(200);
    await acquire(owner.cookie, 'locked02');
    const stale = await push(editor.cookie, spaceId, client, [
      mutation(client, 'locked02', { title: 'late' }, { lock: { name: 'locked02', token } }),
    ]);
    expect(stale.results[0]).toMatchObject({ status: 'rejected', code: 'FENCED' });
  });
});

describe('[S11] live pokes', () => {
  it('[S11] [S21] a push that stores changes pokes every member; a small one carries its changes', async () => {
    const res = await api(`/api/spaces/${spaceId}/socket`, {
      cookie: viewer.cookie,
      headers: { upgrade: 'websocket' },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error(`no socket: ${res.status}`);
    const pokes: unknown[] = [];
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { type: string };
      if (message.type === 'poke') pokes.push(v.parse(PokeMessageSchema, message));
    });
    ws.accept();
    const waitPokes = async (count: number) => {
      for (let i = 0; i < 100 && pokes.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    };
    const client = clientId();
    const before = (await pullAll(viewer.cookie, spaceId)).next;
    const reply = await push(editor.cookie, spaceId, client, [mutation(client, 'poke0001', { t: 1 })]);
    await waitPokes(1);
    expect(pokes).toEqual([
      {
        type: 'poke',
        seq: reply.head,
        from: before,
        page: expect.objectContaining({ next: reply.head, head: reply.head, more: false }) as unknown,
      },
    ]);
    const page = (pokes[0] as { page: { changes: { item: { id: string; fields: unknown } }[] } }).page;
    expect(page.changes.map((change) => change.item.id)).toEqual(['poke0001']);

    // A push of more changes than a poke carries pokes with the sequence only; clients pull.
    const many = Array.from({ length: POKE_PAGE_MAX_CHANGES + 1 }, (_, i) =>
      mutation(client, `pokebulk${String(i).padStart(4, '0')}`, { t: i }),
    );
    const big = await push(editor.cookie, spaceId, client, many);
    await waitPokes(2);
    expect(pokes[1]).toEqual({ type: 'poke', seq: big.head });
    ws.close();
  });
});
