import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { RewindJobResponseSchema, RewindResponseSchema, type RewindJob } from '#shared/history/rewind';
import { formatStamp } from '#shared/sync/hlc';
import { PullResponseSchema } from '#shared/sync/protocol';
import { apiClient, type TestUser } from '../support/api-client';
import { freePort, startLocalServer, type LocalServer } from '../support/local-server';

// A background rewind (docs/spec/history.md V20, V22) when the server is killed in the middle:
// after the restart it finishes, or, cancelled, rolls back whole — never half a rewind.

const ITEMS = 1_600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('[V20] [V22] a background rewind across a server crash', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'baton-rewind-restart-'));
  const assetsDir = mkdtempSync(join(tmpdir(), 'baton-rewind-assets-'));
  let server: LocalServer | null = null;
  let port = 0;
  let owner: TestUser;
  let spaceId = '';

  afterAll(async () => {
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(assetsDir, { recursive: true, force: true });
  });

  const api = () => apiClient(server!.baseUrl);

  async function restart(): Promise<void> {
    await server?.kill();
    server = await startLocalServer({ stateDir, port, assetsDir });
  }

  /** Makes ITEMS notes in `folder` and starts a rewind of it to just before them. */
  async function startRewind(folder: string): Promise<void> {
    const moment = Date.now();
    await sleep(30);
    const mutations = Array.from({ length: ITEMS }, (_, i) => ({
      id: `${folder}-make-${i}`.padEnd(12, '0'),
      itemId: `${folder}-${String(i).padStart(5, '0')}`,
      kind: 'note',
      stamp: formatStamp({ wall: Date.now(), counter: i % 1000, node: `${folder}device` }),
      set: { title: { v: `Note ${i}`, b: null }, folder: { v: folder, b: null } },
    }));
    const pushed = await api().api(`/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { clientId: `${folder}device`, mutations },
    });
    expect(pushed.status).toBe(200);
    const res = await api().api(`/api/spaces/${spaceId}/rewind`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { at: moment, folder },
    });
    expect(res.status).toBe(200);
    expect(v.parse(RewindResponseSchema, await res.json()).job?.state).toBe('running');
  }

  async function job(): Promise<RewindJob | null> {
    const res = await api().api(`/api/spaces/${spaceId}/rewind/job`, { cookie: owner.cookie });
    return v.parse(RewindJobResponseSchema, await res.json()).job;
  }

  async function settled(): Promise<RewindJob | null> {
    for (let tries = 0; tries < 240; tries++) {
      const now = await job();
      if (now?.state === 'done' || now?.state === 'cancelled') return now;
      await sleep(250);
    }
    return job();
  }

  /** How many of the folder's notes are deleted now, of how many. */
  async function deletedIn(folder: string): Promise<{ deleted: number; all: number }> {
    const seen = new Map<string, boolean>();
    for (let after = 0, more = true; more;) {
      const res = await api().api(`/api/spaces/${spaceId}/sync/pull?after=${after}`, {
        cookie: owner.cookie,
      });
      const page = v.parse(PullResponseSchema, await res.json());
      for (const change of page.changes)
        if (change.item.id.startsWith(`${folder}-`))
          seen.set(change.item.id, change.item.fields['$deleted']?.v === true);
      after = page.next;
      more = page.more;
    }
    return { deleted: [...seen.values()].filter(Boolean).length, all: seen.size };
  }

  it('[V20] killed while it runs, it finishes after the restart', async () => {
    port = await freePort();
    server = await startLocalServer({ stateDir, port, assetsDir });
    owner = await api().signUp();
    ({ spaceId } = await api().createSpace(owner.cookie, 'Rewind restart'));
    await startRewind('first');
    await restart();
    expect(await settled()).toMatchObject({ state: 'done', edits: ITEMS });
    expect(await deletedIn('first')).toEqual({ deleted: ITEMS, all: ITEMS });
  });

  it('[V22] cancelled, then killed while it rolls back, it ends whole after the restart', async () => {
    await startRewind('second');
    await api().api(`/api/spaces/${spaceId}/rewind/job`, { method: 'DELETE', cookie: owner.cookie });
    await restart();
    const end = await settled();
    const state = await deletedIn('second');
    expect(state.all).toBe(ITEMS);
    if (end?.state === 'cancelled') {
      expect(state.deleted).toBe(0);
      expect(end.rolledBack).toBe(end.edits);
    } else {
      expect(end?.state).toBe('done');
      expect(state.deleted).toBe(ITEMS);
    }
  });
});
