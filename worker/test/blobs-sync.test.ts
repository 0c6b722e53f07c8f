import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DELETED_FIELD, FILE_BLOB_FIELD } from '#shared/sync/item';
import { api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, push } from './support/sync';
import { sha256 } from '../../tests/support/sha256';

describe('blob references from synced file items', () => {
  it('[B12] a blob a synced file item points at survives clean-up; deleting the item starts the trash-sized grace', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie, 'Synced files');
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    const data = crypto.getRandomValues(new Uint8Array(500));
    const hash = await sha256(data);
    const url = `/api/spaces/${spaceId}/blobs/${hash}`;
    expect((await api(url, { method: 'PUT', cookie: owner.cookie, body: data })).status).toBe(201);

    const client = clientId();
    const created = await push(owner.cookie, spaceId, client, [
      mutation(client, 'file0001', { [FILE_BLOB_FIELD]: hash, name: 'a.bin' }, { kind: 'file' }),
    ]);
    expect(created.results.map((r) => r.status)).toEqual(['applied']);
    await runInDurableObject(stub, (instance) => instance.blobSettings({ graceMs: 0 }));
    await runDurableObjectAlarm(stub);
    expect((await api(url, { method: 'HEAD', cookie: owner.cookie })).status).toBe(200);

    const deleted = await push(owner.cookie, spaceId, client, [
      mutation(client, 'file0001', { [DELETED_FIELD]: true }, { kind: 'file' }),
    ]);
    expect(deleted.results.map((r) => r.status)).toEqual(['applied']);
    await runDurableObjectAlarm(stub);
    // Still restorable from the trash, so still there.
    expect((await api(url, { method: 'HEAD', cookie: owner.cookie })).status).toBe(200);

    await runInDurableObject(stub, (instance) => instance.blobSettings({ releasedGraceMs: 0 }));
    await runDurableObjectAlarm(stub);
    expect((await api(url, { method: 'HEAD', cookie: owner.cookie })).status).toBe(404);
    expect(await env.BLOBS.head(`spaces/${spaceId}/blobs/${hash}`)).toBeNull();
  });
});
