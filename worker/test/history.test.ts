import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HistoryResponseSchema,
  RestoreResponseSchema,
  type HistoryResponse,
  type RestoreRequest,
} from '#shared/history/protocol';
import { DeletedResponseSchema, UndeleteResponseSchema } from '#shared/history/deleted';
import { HistorySettingsResponseSchema } from '#shared/history/settings';
import { RewindJobResponseSchema, RewindResponseSchema } from '#shared/history/rewind';
import type { JsonValue } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import type { SpaceObject } from '../src/objects/space-object';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, pullAll, push } from './support/sync';
import { grantedToken, spaceStubOf } from './locks-support';

type User = { cookie: string; userId: string; username: string };

let owner: User;
let editor: User;
let viewer: User;
let spaceId: string;

const historyPath = (itemId: string) => `/api/spaces/${spaceId}/items/${itemId}/history`;

async function history(cookie: string, itemId: string): Promise<HistoryResponse> {
  const res = await api(historyPath(itemId), { cookie });
  if (res.status !== 200) throw new Error(`history: ${res.status} ${await res.text()}`);
  return v.parse(HistoryResponseSchema, await res.json());
}

function restore(cookie: string, itemId: string, json: RestoreRequest | Record<string, unknown>) {
  return api(`${historyPath(itemId)}/restore`, { method: 'POST', cookie, json });
}

/** One edit as a device makes it: each field's base is the stamp it has now, so nothing conflicts. */
async function edit(
  user: User,
  client: string,
  itemId: string,
  values: Record<string, JsonValue>,
  kind: Mutation['kind'] = 'note',
): Promise<void> {
  const now = (await history(user.cookie, itemId).catch(() => null))?.item.fields ?? {};
  const m = mutation(client, itemId, values, { kind });
  for (const [field, write] of Object.entries(m.set)) write.b = now[field]?.s ?? null;
  const answer = await push(user.cookie, spaceId, client, [m]);
  expect(answer.results[0]?.status).toBe('applied');
}

beforeAll(async () => {
  owner = await signUp();
  ({ spaceId } = await createSpace(owner.cookie, 'History space'));
  editor = await addMember(owner.cookie, spaceId, 'editor');
  viewer = await addMember(owner.cookie, spaceId, 'viewer');
});

describe('item history (V1–V3)', () => {
  const item = 'hist-note-1';
  beforeAll(async () => {
    const mine = clientId();
    const theirs = clientId();
    await edit(owner, mine, item, { title: 'Offer', body: 'Dear client,\nPrice: 100\nRegards\n' });
    await edit(editor, theirs, item, { body: 'Dear client,\nPrice: 250\nRegards\n' });
    // A WebDAV save goes through the same edit path with its own front.
    await runInDurableObject(spaceStubOf(spaceId), (space: SpaceObject) =>
      space.serverEdit({
        edits: [{ itemId: item, kind: 'note', values: { body: 'Dear client,\nPrice: 250\nRegards, Ana\n' } }],
        userId: owner.userId,
        front: 'webdav',
      }),
    );
  });

  it('[V1] lists edits newest first with the author by name, the time and the front', async () => {
    const page = await history(viewer.cookie, item);
    expect(page.edits.map((e) => [e.author, e.front])).toEqual([
      [owner.username, 'webdav'],
      [editor.username, 'app'],
      [owner.username, 'app'],
    ]);
    expect(page.edits.every((e) => e.at > 0)).toBe(true);
    expect(page.edits[0]?.current).toBe(true);
    expect(page.edits[1]?.current).toBe(false);
    expect(JSON.stringify(page)).not.toContain(owner.userId);
  });

  it('[V2] one edit groups every field it wrote, each with the value it replaced', async () => {
    const page = await history(viewer.cookie, item);
    expect(page.edits[2]?.fields.map((f) => f.field)).toEqual(['body', 'title']);
    expect(page.edits[1]?.fields).toEqual([
      {
        field: 'body',
        value: 'Dear client,\nPrice: 250\nRegards\n',
        before: 'Dear client,\nPrice: 100\nRegards\n',
      },
    ]);
  });

  it('[V3] pages go back in time with `before`', async () => {
    const first = v.parse(
      HistoryResponseSchema,
      await (await api(`${historyPath(item)}?limit=2`, { cookie: viewer.cookie })).json(),
    );
    expect(first.edits).toHaveLength(2);
    expect(first.more).toBe(true);
    const last = first.edits[1]?.stamp ?? '';
    const rest = v.parse(
      HistoryResponseSchema,
      await (await api(`${historyPath(item)}?before=${last}`, { cookie: viewer.cookie })).json(),
    );
    expect(rest.edits.map((e) => e.author)).toEqual([owner.username]);
    expect(rest.more).toBe(false);
  });
});

describe('restore (V5–V7)', () => {
  const item = 'hist-note-2';
  let first = '';
  beforeAll(async () => {
    const client = clientId();
    await edit(owner, client, item, { title: 'Plan', body: 'one\ntwo\nthree\n' });
    await edit(owner, client, item, { title: 'Plan B', body: 'ONE\ntwo\nTHREE\n' });
    first = (await history(owner.cookie, item)).edits.at(-1)?.stamp ?? '';
  });

  it('[V5] restoring a whole version is a new edit through the front restore that every device pulls', async () => {
    const res = await restore(editor.cookie, item, { what: 'version', stamp: first });
    expect(res.status).toBe(200);
    const made = v.parse(RestoreResponseSchema, await res.json());
    expect(made.fields.sort()).toEqual(['body', 'title']);
    const page = await history(viewer.cookie, item);
    expect(page.item.fields['body']?.v).toBe('one\ntwo\nthree\n');
    expect(page.item.fields['title']?.v).toBe('Plan');
    expect(page.edits[0]).toMatchObject({ stamp: made.stamp, front: 'restore', author: editor.username });
    const pulled = await pullAll(viewer.cookie, spaceId);
    const seen = pulled.changes.find((change) => change.item.id === item);
    expect(seen?.item.fields['body']?.v).toBe('one\ntwo\nthree\n');
  });

  it('[V7] a restore can be undone, and the undo is a version too', async () => {
    const restored = (await history(owner.cookie, item)).edits[0]?.stamp ?? '';
    const res = await restore(editor.cookie, item, { what: 'undo', stamp: restored });
    expect(res.status).toBe(200);
    const page = await history(owner.cookie, item);
    expect(page.item.fields['body']?.v).toBe('ONE\ntwo\nTHREE\n');
    expect(page.item.fields['title']?.v).toBe('Plan B');
    expect(page.edits.slice(0, 2).map((e) => e.front)).toEqual(['restore', 'restore']);
    // Undoing an edit whose fields changed since is refused, not half done.
    const again = await restore(editor.cookie, item, { what: 'undo', stamp: restored });
    expect(again.status).toBe(409);
  });

  it('[V6] one changed passage comes back and the rest stays as it is now', async () => {
    const now = (await history(owner.cookie, item)).item.fields['body']?.s ?? '';
    const res = await restore(editor.cookie, item, {
      what: 'passage',
      stamp: first,
      field: 'body',
      passage: 1,
      current: now,
    });
    expect(res.status).toBe(200);
    expect((await history(owner.cookie, item)).item.fields['body']?.v).toBe('ONE\ntwo\nthree\n');
    // The same passage number against a text that changed meanwhile is refused.
    const stale = await restore(editor.cookie, item, {
      what: 'passage',
      stamp: first,
      field: 'body',
      passage: 0,
      current: now,
    });
    expect(stale.status).toBe(409);
    expect((await stale.json<{ message: string }>()).message).toContain('“Plan B” changed since');
  });

  it('[V6] one record field comes back, the others keep their values', async () => {
    const record = 'hist-record-1';
    const client = clientId();
    const text = (value: string) => ({ t: 'text', v: value });
    await edit(
      owner,
      client,
      record,
      { title: 'Client', 'r:City': text('Oslo'), 'r:Phone': text('1') },
      'record',
    );
    await edit(owner, client, record, { 'r:City': text('Bergen'), 'r:Phone': text('2') }, 'record');
    const stamp = (await history(owner.cookie, record)).edits.at(-1)?.stamp ?? '';
    const res = await restore(editor.cookie, record, { what: 'field', stamp, field: 'r:City' });
    expect(res.status).toBe(200);
    const fields = (await history(owner.cookie, record)).item.fields;
    expect(fields['r:City']?.v).toEqual(text('Oslo'));
    expect(fields['r:Phone']?.v).toEqual(text('2'));
  });

  it('[V10] a restore of an item someone else has checked out is refused and names the holder', async () => {
    const locked = 'hist-locked1';
    const client = clientId();
    await edit(owner, client, locked, { title: 'Contract', body: 'v1' });
    await edit(owner, client, locked, { body: 'v2' });
    const stamp = (await history(owner.cookie, locked)).edits.at(-1)?.stamp ?? '';
    await grantedToken(editor.cookie, spaceId, locked);
    const res = await restore(owner.cookie, locked, { what: 'version', stamp });
    expect(res.status).toBe(423);
    const body = await res.json<{ message: string }>();
    expect(body.message).toBe(
      `${editor.username} has “Contract” checked out; restore it once it is checked in.`,
    );
    expect((await history(owner.cookie, locked)).item.fields['body']?.v).toBe('v2');
  });
});

describe('names and bad input (V8, V9)', () => {
  const item = 'hist-note-3';
  let stamp = '';
  beforeAll(async () => {
    await edit(owner, clientId(), item, { title: 'Draft', body: 'x' });
    stamp = (await history(owner.cookie, item)).edits[0]?.stamp ?? '';
  });

  it('[V8] an editor names a version and everyone sees the name; the name can be taken away', async () => {
    const path = `${historyPath(item)}/${stamp}/name`;
    const named = await api(path, {
      method: 'PUT',
      cookie: editor.cookie,
      json: { name: ' Sent to the client ' },
    });
    expect(named.status).toBe(200);
    expect((await history(viewer.cookie, item)).edits[0]?.name).toBe('Sent to the client');
    expect((await api(path, { method: 'DELETE', cookie: editor.cookie })).status).toBe(200);
    expect((await history(viewer.cookie, item)).edits[0]?.name).toBeNull();
  });

  it('[V9] an item or version that does not exist is 404; bad input is 400 with a code and a message', async () => {
    for (const res of [
      await api(historyPath('no-such-item'), { cookie: viewer.cookie }),
      await api(historyPath('bad id!'), { cookie: viewer.cookie }),
      await restore(editor.cookie, 'no-such-item', { what: 'version', stamp }),
      await restore(editor.cookie, item, { what: 'version', stamp: stamp.replace(/^\d{3}/, '000') }),
      await api(`${historyPath(item)}/${stamp.replace(/^\d{3}/, '000')}/name`, {
        method: 'PUT',
        cookie: editor.cookie,
        json: { name: 'x' },
      }),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    for (const res of [
      await restore(editor.cookie, item, { what: 'everything', stamp }),
      await restore(editor.cookie, item, {
        what: 'passage',
        stamp,
        field: 'body',
        passage: -1,
        current: stamp,
      }),
      await api(`${historyPath(item)}/${stamp}/name`, {
        method: 'PUT',
        cookie: editor.cookie,
        json: { name: ' ' },
      }),
      await api(`${historyPath(item)}?limit=0`, { cookie: viewer.cookie }),
    ]) {
      expect(res.status).toBe(400);
      const body = await res.json<{ code: string; message: string }>();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message.length).toBeGreaterThan(0);
    }
  });

  it('[V9] viewers read history but do not restore or name', async () => {
    expect((await restore(viewer.cookie, item, { what: 'version', stamp })).status).toBe(403);
    const path = `${historyPath(item)}/${stamp}/name`;
    expect((await api(path, { method: 'PUT', cookie: viewer.cookie, json: { name: 'n' } })).status).toBe(403);
  });
});

describe('deleted items and folders (V11, V12)', () => {
  const inPlans = ['plans-item-1', 'plans-item-2', 'plans-item-3'];
  const alone = 'lonely-item-1';

  beforeAll(async () => {
    const client = clientId();
    for (const [index, itemId] of inPlans.entries())
      await edit(owner, client, itemId, {
        title: `Plan ${index + 1}`,
        body: `step ${index + 1}`,
        folder: 'Plans/2027',
      });
    await edit(owner, client, alone, { title: 'Loose note', body: 'loose' });
    // A folder deleted over WebDAV is one request that deletes everything in it.
    await runInDurableObject(spaceStubOf(spaceId), (space: SpaceObject) =>
      space.serverEdit({
        edits: inPlans.map((itemId) => ({ itemId, kind: 'note' as const, values: { $deleted: true } })),
        userId: editor.userId,
        front: 'webdav',
      }),
    );
    await edit(owner, client, alone, { $deleted: true });
  });

  it('[V11] the Deleted tab lists deletions newest first, a folder as one, with who deleted them and their last text', async () => {
    const res = await api(`/api/spaces/${spaceId}/deleted`, { cookie: viewer.cookie });
    expect(res.status).toBe(200);
    const { groups } = v.parse(DeletedResponseSchema, await res.json());
    const [loose, folder] = groups;
    expect(loose).toMatchObject({ folder: null, deletedBy: owner.username });
    expect(loose?.items.map((i) => i.title)).toEqual(['“Loose note”']);
    expect(folder).toMatchObject({ folder: 'Plans/2027', deletedBy: editor.username });
    expect(folder?.items.map((i) => i.preview).sort()).toEqual(['step 1', 'step 2', 'step 3']);
  });

  it('[V12] a deleted folder comes back whole, in its folder, on every device', async () => {
    const res = await api(`/api/spaces/${spaceId}/deleted/restore`, {
      method: 'POST',
      cookie: editor.cookie,
      json: { itemIds: inPlans },
    });
    expect(res.status).toBe(200);
    expect(v.parse(UndeleteResponseSchema, await res.json())).toEqual({ restored: inPlans, skipped: [] });
    const { changes } = await pullAll(viewer.cookie, spaceId);
    for (const itemId of inPlans) {
      const item = changes.find((change) => change.item.id === itemId)?.item;
      expect(item?.fields['$deleted']?.v).toBe(false);
      expect(item?.fields['folder']?.v).toBe('Plans/2027');
    }
    const { groups } = v.parse(
      DeletedResponseSchema,
      await (await api(`/api/spaces/${spaceId}/deleted`, { cookie: viewer.cookie })).json(),
    );
    expect(groups.flatMap((g) => g.items.map((i) => i.itemId))).toEqual([alone]);
    expect((await history(owner.cookie, inPlans[0] ?? '')).edits[0]?.front).toBe('restore');
  });

  it('[V12] an item someone else has checked out stays deleted and is listed by name; viewers cannot bring items back', async () => {
    await grantedToken(editor.cookie, spaceId, alone);
    const res = await api(`/api/spaces/${spaceId}/deleted/restore`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { itemIds: [alone] },
    });
    expect(v.parse(UndeleteResponseSchema, await res.json())).toEqual({
      restored: [],
      skipped: [{ itemId: alone, title: '“Loose note”', reason: `${editor.username} has it checked out.` }],
    });
    const denied = await api(`/api/spaces/${spaceId}/deleted/restore`, {
      method: 'POST',
      cookie: viewer.cookie,
      json: { itemIds: [alone] },
    });
    expect(denied.status).toBe(403);
    const bad = await api(`/api/spaces/${spaceId}/deleted/restore`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { itemIds: [] },
    });
    expect(bad.status).toBe(400);
  });
});

describe('retention in the space (V13–V15)', () => {
  const item = 'kept-note-1';
  const settings = () => `/api/spaces/${spaceId}/history-settings`;

  it('[V14] everyone sees how much history takes; only an owner sets a shorter window, checked', async () => {
    const client = clientId();
    for (const text of ['a', 'ab', 'abc', 'abcd']) await edit(owner, client, item, { body: text });
    const res = await api(settings(), { cookie: viewer.cookie });
    const seen = v.parse(HistorySettingsResponseSchema, await res.json());
    expect(seen.retention).toEqual({ keepAllDays: 30, keepDays: 365 });
    expect(seen.usage.versions).toBeGreaterThan(4);
    expect(seen.usage.bytes).toBeGreaterThan(0);
    const json = { keepAllDays: 0, keepDays: 0 };
    expect((await api(settings(), { method: 'PUT', cookie: editor.cookie, json })).status).toBe(403);
    const bad = await api(settings(), {
      method: 'PUT',
      cookie: owner.cookie,
      json: { keepAllDays: 30, keepDays: 7 },
    });
    expect(bad.status).toBe(400);
  });

  it('[V13] [V15] with no window only the current and named versions stay, and a restore still works', async () => {
    const page = await history(owner.cookie, item);
    const named = page.edits.at(-1)?.stamp ?? '';
    await api(`${historyPath(item)}/${named}/name`, {
      method: 'PUT',
      cookie: owner.cookie,
      json: { name: 'First' },
    });
    const set = await api(settings(), {
      method: 'PUT',
      cookie: owner.cookie,
      json: { keepAllDays: 0, keepDays: 0 },
    });
    expect(set.status).toBe(200);
    const dropped = await runInDurableObject(spaceStubOf(spaceId), (space: SpaceObject) =>
      space.historyThin(Date.now() + 1000),
    );
    expect(dropped).toBeGreaterThan(0);
    const after = await history(owner.cookie, item);
    expect(after.edits.map((e) => e.fields[0]?.value)).toEqual(['abcd', 'a']);
    expect(after.edits[1]?.name).toBe('First');
    const res = await restore(editor.cookie, item, { what: 'version', stamp: named });
    expect(res.status).toBe(200);
    expect((await history(owner.cookie, item)).item.fields['body']?.v).toBe('a');
    await api(settings(), { method: 'PUT', cookie: owner.cookie, json: { keepAllDays: 30, keepDays: 365 } });
  });
});

describe('the daily thinning (V13)', () => {
  it('[V13] the alarm thins once it is due and books the next day', async () => {
    const item = 'alarm-note-1';
    const client = clientId();
    for (const text of ['1', '2', '3']) await edit(owner, client, item, { body: text });
    const json = { keepAllDays: 0, keepDays: 0 };
    await api(`/api/spaces/${spaceId}/history-settings`, { method: 'PUT', cookie: owner.cookie, json });
    const stub = spaceStubOf(spaceId);
    await runInDurableObject(stub, (_space: SpaceObject, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'history_thin_next'");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await history(owner.cookie, item)).edits.map((e) => e.fields[0]?.value)).toEqual(['3']);
    const next = await runInDurableObject(stub, (_space: SpaceObject, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const back = { keepAllDays: 30, keepDays: 365 };
    await api(`/api/spaces/${spaceId}/history-settings`, { method: 'PUT', cookie: owner.cookie, json: back });
  });
});

describe('rewind a folder (V16–V18)', () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  let moment = 0;
  const body = async (itemId: string) => (await history(owner.cookie, itemId)).item.fields;

  beforeAll(async () => {
    const client = clientId();
    await edit(owner, client, 'rw-changed', { title: 'Budget', body: 'was', folder: 'Rewind' });
    await edit(owner, client, 'rw-deleted', { title: 'Minutes', body: 'kept', folder: 'Rewind' });
    await edit(owner, client, 'rw-locked1', { title: 'Contract', body: 'v1', folder: 'Rewind' });
    await edit(owner, client, 'rw-outside', { title: 'Elsewhere', body: 'before' });
    await pause();
    moment = Date.now();
    await pause();
    const theirs = clientId();
    await edit(editor, theirs, 'rw-changed', { body: 'went wrong' });
    await edit(editor, theirs, 'rw-added01', { title: 'Stray', body: 'new', folder: 'Rewind/deeper' });
    await edit(editor, theirs, 'rw-deleted', { $deleted: true });
    await edit(editor, theirs, 'rw-locked1', { body: 'v2' });
    await edit(editor, theirs, 'rw-outside', { body: 'after' });
    await grantedToken(editor.cookie, spaceId, 'rw-locked1');
  });

  it('[V16] [V18] the preview lists what was added, removed and changed since, by whom, and what is checked out', async () => {
    const res = await api(`/api/spaces/${spaceId}/rewind/preview`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { at: moment, folder: 'Rewind' },
    });
    expect(res.status).toBe(200);
    const preview = v.parse(RewindResponseSchema, await res.json());
    expect(preview.added.items).toEqual([
      { itemId: 'rw-added01', title: '“Stray”', changedBy: [editor.username] },
    ]);
    expect(preview.removed.items.map((i) => i.title)).toEqual(['“Minutes”']);
    expect(preview.changed.items.map((i) => i.title)).toEqual(['“Budget”']);
    expect(preview.skipped).toEqual([{ itemId: 'rw-locked1', title: '“Contract”', holder: editor.username }]);
    expect((await body('rw-changed'))['body']?.v).toBe('went wrong');
  });

  it('[V17] [V18] applied, the folder is as it was, the checked-out item and other folders untouched, on every device', async () => {
    const res = await api(`/api/spaces/${spaceId}/rewind`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { at: moment, folder: 'Rewind' },
    });
    expect(res.status).toBe(200);
    const { changes } = await pullAll(viewer.cookie, spaceId);
    const seen = (id: string) => changes.find((change) => change.item.id === id)?.item.fields;
    expect(seen('rw-changed')?.['body']?.v).toBe('was');
    expect(seen('rw-added01')?.['$deleted']?.v).toBe(true);
    expect(seen('rw-deleted')?.['$deleted']?.v).toBe(false);
    expect(seen('rw-locked1')?.['body']?.v).toBe('v2');
    expect(seen('rw-outside')?.['body']?.v).toBe('after');
    expect((await history(owner.cookie, 'rw-changed')).edits[0]?.front).toBe('restore');
  });

  it('[V16] a moment to come or before the kept history is refused with how far back it goes; only owners rewind', async () => {
    const to = (at: number, cookie = owner.cookie) =>
      api(`/api/spaces/${spaceId}/rewind/preview`, { method: 'POST', cookie, json: { at } });
    expect((await to(Date.now() + 3_600_000)).status).toBe(400);
    const tooOld = await to(Date.now() - 400 * 24 * 3_600_000);
    expect(tooOld.status).toBe(400);
    expect((await tooOld.json<{ message: string }>()).message).toMatch(
      /history goes back to \d{4}-\d\d-\d\d/,
    );
    expect((await to(moment, editor.cookie)).status).toBe(403);
  });
});

describe('a large rewind in the background (V20)', () => {
  /** Pushes `count` new items into folder `prefix` from one device. */
  const bulk = async (prefix: string, count: number) => {
    const client = clientId();
    const rows = Array.from({ length: count }, (_, index) =>
      mutation(client, `${prefix}${String(index).padStart(5, '0')}`, {
        title: `Row ${index}`,
        folder: prefix,
      }),
    );
    await push(owner.cookie, spaceId, client, rows);
  };
  const job = async () =>
    v.parse(
      RewindJobResponseSchema,
      await (await api(`/api/spaces/${spaceId}/rewind/job`, { cookie: owner.cookie })).json(),
    ).job;

  it('[V20] more than a thousand items rewind a step per alarm, go on after a restart, and end done', async () => {
    const moment = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bulk('bulkone', 1001);
    const res = await api(`/api/spaces/${spaceId}/rewind`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { at: moment, folder: 'bulkone' },
    });
    const answer = v.parse(RewindResponseSchema, await res.json());
    expect(answer.added.count).toBe(1001);
    expect(answer.job).toMatchObject({ state: 'running', startedBy: owner.username });
    // The server restarts while the job runs: the job goes on from its row.
    const stub = spaceStubOf(spaceId);
    await evictDurableObject(stub);
    for (let step = 0; step < 10 && (await job())?.state === 'running'; step++)
      await runDurableObjectAlarm(stub);
    expect(await job()).toMatchObject({ state: 'done', edits: 1001 });
    const { changes } = await pullAll(viewer.cookie, spaceId);
    const rows = changes.filter((change) => change.item.id.startsWith('bulkone'));
    expect(rows.every((change) => change.item.fields['$deleted']?.v === true)).toBe(true);
  });

  it('[V20] [V22] a cancelled rewind stops and rolls back whole; a second one waits for the first', async () => {
    const moment = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bulk('bulktwo', 1001);
    const json = { at: moment, folder: 'bulktwo' };
    await api(`/api/spaces/${spaceId}/rewind`, { method: 'POST', cookie: owner.cookie, json });
    const again = await api(`/api/spaces/${spaceId}/rewind`, { method: 'POST', cookie: owner.cookie, json });
    expect(again.status).toBe(409);
    // One step is applied before the cancel, so there is something to put back.
    const stub = spaceStubOf(spaceId);
    if ((await job())?.edits === 0) await runDurableObjectAlarm(stub);
    const rewound = (await job())?.edits ?? 0;
    expect(rewound).toBeGreaterThan(0);
    const cancelled = await api(`/api/spaces/${spaceId}/rewind/job`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    const stopped = v.parse(RewindJobResponseSchema, await cancelled.json()).job;
    expect(stopped?.state).toBe('rolling-back');
    for (let step = 0; step < 10 && (await job())?.state === 'rolling-back'; step++)
      await runDurableObjectAlarm(stub);
    expect(await job()).toMatchObject({ state: 'cancelled', edits: rewound, rolledBack: rewound });
    const { changes } = await pullAll(viewer.cookie, spaceId);
    const rows = changes.filter((change) => change.item.id.startsWith('bulktwo'));
    expect(rows).toHaveLength(1001);
    expect(rows.every((change) => change.item.fields['$deleted']?.v !== true)).toBe(true);
    // A rewind can start again once the first is over.
    const third = await api(`/api/spaces/${spaceId}/rewind/preview`, {
      method: 'POST',
      cookie: owner.cookie,
      json,
    });
    expect(third.status).toBe(200);
  });
});
