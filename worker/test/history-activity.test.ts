import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActivityResponseSchema, DAY_MS, HOUR_MS } from '#shared/history/activity';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, push } from './support/sync';

// The day chart of the Rewind screen (docs/spec/history.md V23).

type User = { cookie: string; userId: string; username: string };
let owner: User;
let viewer: User;
let spaceId: string;

const activity = (cookie: string, query = '') => api(`/api/spaces/${spaceId}/activity${query}`, { cookie });

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie, 'Activity'));
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
  const client = clientId();
  // Three edits: one of two fields (it counts once), two of one field each.
  await push(owner.cookie, spaceId, client, [mutation(client, 'activity-item-1', { title: 'A', body: 'a' })]);
  await push(owner.cookie, spaceId, client, [mutation(client, 'activity-item-2', { title: 'B' })]);
  await push(owner.cookie, spaceId, client, [mutation(client, 'activity-item-3', { title: 'C' })]);
});

describe('activity (V23)', () => {
  it('[V23] counts each edit once in the bar of its hour, for anyone in the space', async () => {
    const res = await activity(viewer.cookie, '?days=1');
    expect(res.status).toBe(200);
    const seen = v.parse(ActivityResponseSchema, await res.json());
    expect(seen.bucketMs).toBe(HOUR_MS);
    expect(seen.buckets.reduce((sum, bucket) => sum + bucket.edits, 0)).toBe(3);
    for (const bucket of seen.buckets) {
      expect(bucket.at % HOUR_MS).toBe(0);
      expect(bucket.at).toBeLessThanOrEqual(seen.to);
    }
  });

  it('[V23] a longer window has a bar per day and never reaches before the retained history', async () => {
    const seen = v.parse(ActivityResponseSchema, await (await activity(owner.cookie)).json());
    expect(seen.bucketMs).toBe(DAY_MS);
    expect(seen.to - seen.from).toBe(30 * DAY_MS);
    await api(`/api/spaces/${spaceId}/history-settings`, {
      method: 'PUT',
      cookie: owner.cookie,
      json: { keepAllDays: 7, keepDays: 7 },
    });
    const short = v.parse(ActivityResponseSchema, await (await activity(owner.cookie, '?days=90')).json());
    expect(short.to - short.from).toBe(7 * DAY_MS);
    expect(short.buckets.reduce((sum, bucket) => sum + bucket.edits, 0)).toBe(3);
  });

  it('[V23] bad input is 400 with a code; someone outside the space does not see it', async () => {
    for (const query of ['?days=0', '?days=400', '?days=x', '?other=1']) {
      const res = await activity(owner.cookie, query);
      expect(res.status).toBe(400);
      expect((await res.json<{ code: string }>()).code).toBe('VALIDATION_FAILED');
    }
    const stranger = await signUp();
    expect((await activity(stranger.cookie)).status).toBe(404);
  });
});
