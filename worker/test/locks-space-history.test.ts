import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_HISTORY_CSV_COLUMNS } from '#shared/locks/csv';
import { AcquireResponseSchema, SpaceLockHistoryResponseSchema } from '#shared/locks/schemas';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { post, rid } from './locks-support';

type User = { cookie: string; userId: string; username: string };
let owner: User;
let ana: User;
let ben: User;
let viewer: User;
let spaceId: string;

const historyPath = (query = '') => `/api/spaces/${spaceId}/locks-history${query}`;

/** Takes and releases `name` as `user`. */
async function cycle(user: User, name: string): Promise<void> {
  const granted = v.parse(
    AcquireResponseSchema,
    (await post(user.cookie, spaceId, name, 'acquire', { requestId: rid() })).body,
  );
  if (granted.status !== 'granted') throw new Error(`expected a grant of ${name}, got ${granted.status}`);
  const released = await post(user.cookie, spaceId, name, 'release', { token: granted.token });
  expect(released.status).toBe(200);
}

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie));
  ana = await addMember(owner.cookie, spaceId, 'editor');
  ben = await addMember(owner.cookie, spaceId, 'editor');
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
  await cycle(ana, 'designs/logo.psd');
  await cycle(ben, 'notes/plan.md');
  await cycle(ben, 'designs/logo.psd');
  await cycle(ana, 'notes/plan.md');
});

describe('space lock history', () => {
  it('[L10] has every entry of every lock of the space, in time order', async () => {
    const res = await api(historyPath(), { cookie: viewer.cookie });
    expect(res.status).toBe(200);
    const body = v.parse(SpaceLockHistoryResponseSchema, await res.json());
    expect(body.truncated).toEqual([]);
    const byLock = (lock: string) =>
      body.entries.filter((e) => e.lock === lock).map((e) => [e.kind, e.username, e.token]);
    for (const lock of ['designs/logo.psd', 'notes/plan.md']) {
      const [first, second] = lock === 'designs/logo.psd' ? [ana, ben] : [ben, ana];
      expect(byLock(lock)).toEqual([
        ['granted', first.username, 1],
        ['released', first.username, 1],
        ['granted', second.username, 2],
        ['released', second.username, 2],
      ]);
    }
    expect(body.entries).toHaveLength(8);
    const order = body.entries.map((e) => [e.at, e.lock, e.seq] as const);
    const sorted = [...order].sort(
      (a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2],
    );
    expect(order).toEqual(sorted);
    // Each lock's entries keep their own order inside the merge.
    const seqs = (lock: string) => body.entries.filter((e) => e.lock === lock).map((e) => e.seq);
    expect(seqs('designs/logo.psd')).toEqual([1, 2, 3, 4]);
    expect(seqs('notes/plan.md')).toEqual([1, 2, 3, 4]);
  });

  it('[L10] keeps the latest entries per lock when asked for fewer, and names the cut locks', async () => {
    const res = await api(historyPath('?perLock=2'), { cookie: viewer.cookie });
    const body = v.parse(SpaceLockHistoryResponseSchema, await res.json());
    expect(body.perLock).toBe(2);
    expect(body.truncated).toEqual(['designs/logo.psd', 'notes/plan.md']);
    expect(body.entries.map((e) => [e.lock, e.kind, e.token])).toEqual([
      ['designs/logo.psd', 'granted', 2],
      ['designs/logo.psd', 'released', 2],
      ['notes/plan.md', 'granted', 2],
      ['notes/plan.md', 'released', 2],
    ]);
  });

  it('[L10] exports CSV with a header and one line per entry', async () => {
    const res = await api(historyPath('?format=csv'), { cookie: viewer.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    const lines = (await res.text()).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(['lock', ...LOCK_HISTORY_CSV_COLUMNS].join(','));
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatch(
      new RegExp(`^designs/logo\\.psd,1,[^,]+,granted,1,[^,]+,${ana.userId},${ana.username},`),
    );
    expect(rows.filter((row) => row.startsWith('notes/plan.md,'))).toHaveLength(4);
  });

  it('a viewer may read it; a non-member gets 404; bad queries get 400', async () => {
    expect((await api(historyPath(), { cookie: viewer.cookie })).status).toBe(200);
    const outsider = await signUp();
    expect((await api(historyPath(), { cookie: outsider.cookie })).status).toBe(404);
    for (const query of ['?format=xml', '?perLock=0', '?perLock=1001', '?perLock=x', '?after=3']) {
      expect((await api(historyPath(query), { cookie: viewer.cookie })).status, query).toBe(400);
    }
  });

  it('is empty for a space without locks', async () => {
    const { spaceId: other } = await createSpace(owner.cookie);
    const res = await api(`/api/spaces/${other}/locks-history`, { cookie: owner.cookie });
    expect(v.parse(SpaceLockHistoryResponseSchema, await res.json()).entries).toEqual([]);
  });
});
