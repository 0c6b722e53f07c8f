import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '#shared/errors';
import { LockSummarySchema } from '#shared/locks/schemas';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { grantedToken, rid } from './locks-support';
import { clientId, mutation, pullAll, push } from './support/sync';

let owner: { cookie: string; userId: string; username: string };
let editor: { cookie: string; userId: string; username: string };
let spaceId: string;

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  editor = await addMember(owner.cookie, spaceId, 'editor');
});

const acquire = (cookie: string, name: string) => grantedToken(cookie, spaceId, name);

describe('[L16] lock names in URLs are percent-decoded strictly', () => {
  const malformed = ['%ZZ', '%', 'a%2', '%E0%A4', 'ok%C3'];

  it('[L16] malformed percent-encoding is a 400 on every lock route and stores nothing', async () => {
    for (const raw of malformed) {
      const base = `/api/spaces/${spaceId}/locks/${raw}`;
      const acquired = await api(`${base}/acquire`, {
        method: 'POST',
        cookie: editor.cookie,
        json: { requestId: rid() },
      });
      expect(acquired.status, raw).toBe(400);
      expect(v.parse(ErrorBodySchema, await acquired.json())).toMatchObject({ code: 'BAD_LOCK_NAME' });
      const read = await api(base, { cookie: editor.cookie });
      expect(read.status, raw).toBe(400);
      const history = await api(`${base}/history`, { cookie: editor.cookie });
      expect(history.status, raw).toBe(400);
    }
    // The literal names were not locked either.
    const listed = await (await api(`/api/spaces/${spaceId}/locks`, { cookie: editor.cookie })).json();
    expect(JSON.stringify(listed)).not.toContain('%');
  });

  it('[L16] the lock socket upgrade refuses malformed names with 400', async () => {
    for (const raw of malformed) {
      const res = await api(`/api/spaces/${spaceId}/locks/${raw}/socket`, {
        cookie: editor.cookie,
        headers: { upgrade: 'websocket' },
      });
      expect(res.status, raw).toBe(400);
      expect(res.webSocket).toBeNull();
      expect(v.parse(ErrorBodySchema, await res.json())).toMatchObject({ code: 'BAD_LOCK_NAME' });
    }
  });

  it('[L16] well-formed encodings still name the lock they spell, `%25` included', async () => {
    const token = await acquire(editor.cookie, 'designs/100%.psd');
    const res = await api(`/api/spaces/${spaceId}/locks/designs%2F100%25.psd`, { cookie: editor.cookie });
    expect(v.parse(LockSummarySchema, await res.json())).toMatchObject({
      name: 'designs/100%.psd',
      holder: { token },
    });
  });
});

describe('[L15] a lock claim in a push must name a lock that guards the item', () => {
  it('[L15] a claim naming another lock, even one the writer holds, is rejected and nothing is applied', async () => {
    const client = clientId();
    const other = 'some/other-lock.txt';
    const token = await acquire(editor.cookie, other);
    const write = mutation(
      client,
      'claim0001',
      { title: 'borrowed claim' },
      { lock: { name: other, token } },
    );
    const answer = await push(editor.cookie, spaceId, client, [write]);
    expect(answer.results[0]).toMatchObject({ status: 'rejected', code: 'LOCK_CLAIM_INVALID', copies: [] });
    expect((await pullAll(editor.cookie, spaceId)).changes.some((c) => c.item.id === 'claim0001')).toBe(
      false,
    );
  });

  it('[L15] a claim naming `..` or a lock never granted is rejected with LOCK_CLAIM_INVALID', async () => {
    const client = clientId();
    const dotted = mutation(client, 'claim0002', { title: 'dots' }, { lock: { name: '..', token: 7 } });
    const never = mutation(
      client,
      'claim0003',
      { title: 'never' },
      { lock: { name: 'claim0003', token: 3 } },
    );
    const fine = mutation(client, 'claim0004', { title: 'unguarded' });
    const answer = await push(editor.cookie, spaceId, client, [dotted, never, fine]);
    expect(answer.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'LOCK_CLAIM_INVALID',
      'LOCK_CLAIM_INVALID',
      'applied',
    ]);
    const ids = (await pullAll(editor.cookie, spaceId)).changes.map((c) => c.item.id);
    expect(ids).toContain('claim0004');
    expect(ids).not.toContain('claim0002');
    expect(ids).not.toContain('claim0003');
  });

  it("[L15] the holder's claim on the item's own lock still writes", async () => {
    const client = clientId();
    const token = await acquire(editor.cookie, 'claim0005');
    const write = mutation(client, 'claim0005', { title: 'mine' }, { lock: { name: 'claim0005', token } });
    expect((await push(editor.cookie, spaceId, client, [write])).results[0]).toMatchObject({
      status: 'applied',
    });
  });
});

describe('[L12] lock history CSV defuses formulas', () => {
  it('[L12] lock names starting with a full-width ＝ or ＠ are neutralised in the space history CSV', async () => {
    const names = ['＝1+2+3', '＠SUM(A1)'];
    for (const name of names) await acquire(editor.cookie, name);
    const res = await api(`/api/spaces/${spaceId}/locks-history?format=csv`, { cookie: editor.cookie });
    const cells = (await res.text())
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.replace(/^"/, ''));
    for (const name of names) {
      const rows = cells.filter((cell) => cell.includes(name.slice(1, 4)));
      expect(rows.length, name).toBeGreaterThan(0);
      for (const row of rows) expect(row.startsWith(`'${name.slice(0, 4)}`), row).toBe(true);
    }
  });
});
