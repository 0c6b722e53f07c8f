import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcquireResponseSchema, LockHistoryResponseSchema, LockSummarySchema } from '#shared/locks/schemas';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { clientId, mutation, push } from './support/sync';
import { lockPath, post, rid } from './locks-support';

// Only the newest copy is checked out (L32): a device that says how far it pulled gets `behind`
// instead of a grant while its copy of the item is older; the grant names the version.

type Person = { cookie: string; userId: string; username: string };
let ana: Person;
let bob: Person;
let spaceId: string;

beforeAll(async () => {
  ana = await signUp();
  ({ spaceId } = await createSpace(ana.cookie));
  bob = await addMember(ana.cookie, spaceId, 'editor');
});

async function edit(itemId: string, title: string): Promise<number> {
  const client = clientId();
  return (await push(ana.cookie, spaceId, client, [mutation(client, itemId, { title })])).head;
}

const acquire = async (json: Record<string, unknown>, name: string) =>
  v.parse(AcquireResponseSchema, (await post(bob.cookie, spaceId, name, 'acquire', json)).body);

describe('only the newest copy', () => {
  it('[L32] a copy behind the server is told how many changes it lacks; after catching up the grant names the version', async () => {
    const item = 'newest-note';
    const first = await edit(item, 'Plan');
    const head = await edit('other-note', 'Other');
    await edit(item, 'Plan v2');
    const behind = await acquire({ requestId: rid(), kind: 'checkout', seenSeq: first }, item);
    if (behind.status !== 'behind') throw new Error(behind.status);
    // The item changed after `first` (and another one did too): at least two changes lacking.
    expect(behind.version).toBeGreaterThan(head);
    expect(behind.changes).toBeGreaterThanOrEqual(2);
    const second = behind.version;
    // Nothing was taken or written down.
    const summary = v.parse(
      LockSummarySchema,
      await (await api(lockPath(spaceId, item), { cookie: bob.cookie })).json(),
    );
    expect(summary).toMatchObject({ holder: null, lastToken: 0 });

    const granted = await acquire({ requestId: rid(), kind: 'checkout', seenSeq: second }, item);
    expect(granted).toMatchObject({ status: 'granted', token: 1, version: second });
    const history = v.parse(
      LockHistoryResponseSchema,
      await (await api(lockPath(spaceId, item, 'history'), { cookie: bob.cookie })).json(),
    );
    expect(history.entries.at(-1)).toMatchObject({
      kind: 'granted',
      detail: `checkout until released, on version ${second}`,
    });
  });

  it('[L32] a retried acquire answers its grant whatever it says; paths and clients that say nothing are as before; bad input is a 400', async () => {
    const item = 'retried-note';
    await edit(item, 'A');
    const requestId = rid();
    const at = await edit(item, 'B');
    expect(await acquire({ requestId, seenSeq: at }, item)).toMatchObject({ status: 'granted' });
    await edit(item, 'C');
    expect(await acquire({ requestId, seenSeq: at }, item)).toMatchObject({ status: 'granted', token: 1 });
    expect(
      await acquire({ requestId: rid(), kind: 'checkout', seenSeq: 0 }, 'designs/logo.psd'),
    ).toMatchObject({
      status: 'granted',
    });
    expect(await acquire({ requestId: rid(), kind: 'checkout' }, 'plain-note')).toMatchObject({
      status: 'granted',
    });
    const bad = await post(bob.cookie, spaceId, 'designs/x.psd', 'acquire', {
      requestId: rid(),
      seenSeq: -1,
    });
    expect(bad.status).toBe(400);
  });
});
