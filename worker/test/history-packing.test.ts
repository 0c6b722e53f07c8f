import { runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { HistoryResponseSchema, type HistoryResponse } from '#shared/history/protocol';
import { RewindResponseSchema } from '#shared/history/rewind';
import { formatStamp } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import type { SpaceObject } from '../src/objects/space-object';
import { FULL_EVERY } from '../src/space/version-packing';
import { api, createSpace, signUp } from './support/accounts';
import { clientId, push } from './support/sync';
import { spaceStubOf } from './locks-support';

// Packed text history (docs/spec/history.md V21): a long run of typing into one note keeps
// deltas, and every read (history, merge bases, restore, rewind, thinning) gives the same texts.

type User = { cookie: string; userId: string; username: string };

const item = 'packed-note';
const EDITS = 450;
const PER_PUSH = 50;

let owner: User;
let spaceId: string;
/** Every text the body had, oldest first, and the stamp that wrote it. */
const texts: string[] = [];
const stamps: string[] = [];
/** A moment between the second and third push. */
let moment = 0;

function paragraph(n: number): string {
  return `Line ${n}: the quick brown fox jumps over the lazy dog, again and again.\n`;
}

async function history(before: string | null): Promise<HistoryResponse> {
  const query = before ? `?before=${before}&limit=50` : '?limit=50';
  const res = await api(`/api/spaces/${spaceId}/items/${item}/history${query}`, { cookie: owner.cookie });
  return v.parse(HistoryResponseSchema, await res.json());
}

async function allBodies(): Promise<(string | null)[]> {
  const bodies: (string | null)[] = [];
  for (let before: string | null = null; ;) {
    const page = await history(before);
    for (const edit of page.edits) {
      const body = edit.fields.find((f) => f.field === 'body')?.value;
      bodies.push(typeof body === 'string' ? body : null);
    }
    if (!page.more) return bodies;
    before = page.edits.at(-1)?.stamp ?? null;
  }
}

function bodyNow(): Promise<string> {
  return history(null).then((page) => {
    const body = page.item.fields['body']?.v;
    return typeof body === 'string' ? body : '';
  });
}

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie, 'Packed history'));
  const client = clientId();
  let text = Array.from({ length: 60 }, (_, n) => paragraph(n)).join('');
  const start = Date.now() - 60_000;
  for (let at = 0; at < EDITS; at += PER_PUSH) {
    const batch: Mutation[] = [];
    for (let n = at; n < at + PER_PUSH; n++) {
      // Typing: a few characters at the end, now and then a word changed in the middle.
      text = n % 7 === 3 ? text.replace('lazy', `lazy${n}`) : `${text}w${n} `;
      const stamp = formatStamp({ wall: start + n, counter: 0, node: client });
      batch.push({
        id: `packed-${n}`,
        itemId: item,
        kind: 'note',
        stamp,
        set: { body: { v: text, b: stamps.at(-1) ?? null } },
      });
      texts.push(text);
      stamps.push(stamp);
    }
    const answer = await push(owner.cookie, spaceId, client, batch);
    expect(answer.results.every((r) => r.status === 'applied')).toBe(true);
    if (at === PER_PUSH) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      moment = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }
});

describe('packed text history (V21)', () => {
  it('[V21] history shows every version with exactly the text it had', async () => {
    expect(await allBodies()).toEqual([...texts].reverse());
  });

  it('[V21] older versions are kept as deltas, one whole every FULL_EVERY at most, in far fewer bytes', async () => {
    const stored = await runInDurableObject(spaceStubOf(spaceId), (_space: SpaceObject, state) =>
      state.storage.sql
        .exec<{ packed: number; whole: number; bytes: number; run: number }>(
          `SELECT SUM(delta IS NOT NULL) AS packed, SUM(delta IS NULL) AS whole, MAX(run) AS run,
             SUM(LENGTH(value) + COALESCE(LENGTH(delta), 0)) AS bytes
           FROM field_versions WHERE item_id = ? AND field = 'body'`,
          item,
        )
        .one(),
    );
    expect(stored.packed + stored.whole).toBe(EDITS);
    expect(stored.whole).toBeLessThanOrEqual(Math.ceil(EDITS / FULL_EVERY) + 1);
    expect(stored.run).toBeLessThan(FULL_EVERY);
    const raw = texts.reduce((sum, text) => sum + text.length, 0);
    expect(stored.bytes).toBeLessThan(raw / 20);
  });

  it('[V21] a write typed on an old, packed version merges as if the version were whole (S37)', async () => {
    const client = clientId();
    const base = 5;
    const written = `Title line\n${texts[base]}`;
    const write: Mutation = {
      id: 'packed-old-base',
      itemId: item,
      kind: 'note',
      stamp: formatStamp({ wall: Date.now(), counter: 0, node: client }),
      set: { body: { v: written, b: stamps[base]! } },
    };
    const answer = await push(owner.cookie, spaceId, client, [write]);
    expect(answer.results[0]?.status).toBe('applied');
    expect(await bodyNow()).toBe(`Title line\n${texts.at(-1)}`);
  });

  it('[V21] a restore of a packed version brings back its very text (V5)', async () => {
    const res = await api(`/api/spaces/${spaceId}/items/${item}/history/restore`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { what: 'version', stamp: stamps[3] },
    });
    expect(res.status).toBe(200);
    expect(await bodyNow()).toBe(texts[3]);
  });

  it('[V21] a rewind reads the packed text the note had then (V16)', async () => {
    const res = await api(`/api/spaces/${spaceId}/rewind`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { at: moment },
    });
    expect(res.status).toBe(200);
    expect(v.parse(RewindResponseSchema, await res.json()).changed.count).toBe(1);
    expect(await bodyNow()).toBe(texts[2 * PER_PUSH - 1]);
  });

  it('[V21] thinning keeps the versions it keeps readable whole (V13)', async () => {
    const before = await allBodies();
    // Thinning a year on: one version per week is left, each as it was.
    await api(`/api/spaces/${spaceId}/history-settings`, {
      method: 'PUT',
      cookie: owner.cookie,
      json: { keepAllDays: 0, keepDays: 365 },
    });
    await runInDurableObject(spaceStubOf(spaceId), (space: SpaceObject) =>
      space.historyThin(Date.now() + 2 * 24 * 3_600_000),
    );
    const after = await allBodies();
    expect(after.length).toBeLessThan(before.length);
    for (const body of after) expect(before).toContain(body);
    expect(after[0]).toBe(texts[2 * PER_PUSH - 1]);
  });
});
