import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { HistoryResponseSchema, type HistoryResponse } from '#shared/history/protocol';
import type { JsonValue } from '#shared/sync/item';
import { api } from './support/accounts';
import { clientId, mutation, push } from './support/sync';
import { checkoutToken, spaceWithPeople, type Person } from './locks-support';

// Each version in History shows the check-out it was made under (docs/spec/history.md V24).

async function history(cookie: string, spaceId: string, itemId: string): Promise<HistoryResponse> {
  const res = await api(`/api/spaces/${spaceId}/items/${itemId}/history`, { cookie });
  return v.parse(HistoryResponseSchema, await res.json());
}

async function write(
  who: Person,
  spaceId: string,
  itemId: string,
  values: Record<string, JsonValue>,
  lock?: { name: string; token: number },
): Promise<void> {
  const client = clientId();
  const now = (await history(who.cookie, spaceId, itemId).catch(() => null))?.item.fields ?? {};
  const m = mutation(client, itemId, values, lock ? { lock } : {});
  for (const [field, entry] of Object.entries(m.set)) entry.b = now[field]?.s ?? null;
  const answer = await push(who.cookie, spaceId, client, [m]);
  expect(answer.results[0]?.status).toBe('applied');
}

describe('check-outs in history (V24)', () => {
  it('[V24] an edit made under the item’s check-out names it and its holder; edits before it name none', async () => {
    const { spaceId, ana, viewer } = await spaceWithPeople();
    await write(ana, spaceId, 'checked-note', { title: 'Contract', body: 'draft' });
    const token = await checkoutToken(ana.cookie, spaceId, 'checked-note');
    await write(ana, spaceId, 'checked-note', { body: 'signed' }, { name: 'checked-note', token });
    const page = await history(viewer.cookie, spaceId, 'checked-note');
    expect(page.edits.map((edit) => edit.checkout)).toEqual([
      { lock: 'checked-note', holder: ana.username },
      null,
    ]);
    expect(JSON.stringify(page)).not.toContain(ana.userId);
  }, 20_000);

  it('[V24] an edit in a checked-out folder names the folder’s check-out', async () => {
    const { spaceId, owner, bob } = await spaceWithPeople();
    await write(owner, spaceId, 'plan-note', { title: 'Plan', folder: 'plans' });
    const token = await checkoutToken(bob.cookie, spaceId, 'plans/');
    await write(bob, spaceId, 'plan-note', { body: 'step one' }, { name: 'plans/', token });
    const [latest] = (await history(owner.cookie, spaceId, 'plan-note')).edits;
    expect(latest?.checkout).toEqual({ lock: 'plans/', holder: bob.username });
  }, 20_000);
});
