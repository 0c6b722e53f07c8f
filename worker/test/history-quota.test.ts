import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { BlobUsageSchema } from '#shared/blobs/protocol';
import { HistorySettingsResponseSchema } from '#shared/history/settings';
import { FILE_BLOB_FIELD } from '#shared/sync/item';
import { api, createSpace, signUp } from './support/accounts';
import { sha256 } from '../../tests/support/sha256';
import { blobsOf, put, randomBytes } from './support/blobs';
import { clientId, mutation, push } from './support/sync';

// History does not count against the space's quota (docs/spec/history.md V14): neither the
// versions the store keeps nor the bytes of a file's earlier versions.

describe('history and the quota (V14)', () => {
  it('[V14] a space whose history holds more than its quota still accepts an upload that fits', async () => {
    const owner = await signUp();
    const { spaceId } = await createSpace(owner.cookie, 'Quota and history');
    const stub = env.SPACES.get(env.SPACES.idFromName(spaceId));
    await runInDurableObject(stub, (space) => space.blobSettings({ quotaBytes: 2_500, graceMs: 0 }));
    const client = clientId();
    // A file saved three times: two earlier versions' bytes stay for its History.
    let base: string | null = null;
    for (let save = 0; save < 3; save++) {
      const data = randomBytes(1_000);
      expect((await put(owner.cookie, spaceId, data)).status).toBe(201);
      const write = mutation(
        client,
        'quota-file',
        { [FILE_BLOB_FIELD]: await sha256(data), name: 'a.bin' },
        {
          kind: 'file',
        },
      );
      for (const field of Object.values(write.set)) field.b = base;
      const answer = await push(owner.cookie, spaceId, client, [write]);
      expect(answer.results[0]?.status).toBe('applied');
      base = write.stamp;
    }
    // A note typed on many times: its versions take room too.
    for (let edit = 0; edit < 20; edit++)
      await push(owner.cookie, spaceId, client, [
        mutation(client, 'quota-note', { body: `${'x'.repeat(500)}${edit}` }),
      ]);
    await runDurableObjectAlarm(stub);
    const settings = v.parse(
      HistorySettingsResponseSchema,
      await (await api(`/api/spaces/${spaceId}/history-settings`, { cookie: owner.cookie })).json(),
    );
    expect(settings.usage.bytes).toBeGreaterThan(2_500);
    const usage = v.parse(
      BlobUsageSchema,
      await (await api(`${blobsOf(spaceId)}/usage`, { cookie: owner.cookie })).json(),
    );
    // Only the current version's bytes count.
    expect(usage.usedBytes).toBe(1_000);
    expect((await put(owner.cookie, spaceId, randomBytes(1_400))).status).toBe(201);
    // The earlier versions are still there to bring back.
    const res = await api(`/api/spaces/${spaceId}/items/quota-file/history`, { cookie: owner.cookie });
    const history = await res.json<{ edits: unknown[] }>();
    expect(history.edits).toHaveLength(3);
  });
});
