import { runDurableObjectAlarm } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { LFS_MAX_OBJECT_BYTES } from '#shared/lfs/protocol';
import { addMember, api, createSpace, signUp } from './support/accounts';
import { followAction, lfs, withAppPassword, type LfsUser } from './support/lfs';
import { sha256 } from '../../tests/support/sha256';
import { spaceStubOf } from './locks-support';

// The Git LFS batch and transfer API (G1–G5) against the real Worker, objects and R2 in workerd.
// The real git-lfs client runs against it in tests/integration/git-lfs.test.ts.

let owner: LfsUser;
let editor: LfsUser;
let viewer: LfsUser;
let stranger: LfsUser;
let spaceId: string;

type Batch = {
  objects: {
    oid: string;
    size: number;
    actions?: Record<string, { href: string; header: Record<string, string> }>;
    error?: { code: number; message: string };
  }[];
};

beforeAll(async () => {
  const o = await signUp();
  ({ spaceId } = await createSpace(o.cookie, 'Game art'));
  owner = await withAppPassword(o);
  editor = await withAppPassword(await addMember(o.cookie, spaceId, 'editor'));
  viewer = await withAppPassword(await addMember(o.cookie, spaceId, 'viewer'));
  stranger = await withAppPassword(await signUp());
});

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function batch(user: LfsUser | null, operation: string, objects: { oid: string; size: number }[]) {
  const res = await lfs(`/${spaceId}/objects/batch`, user, {
    method: 'POST',
    json: { operation, transfers: ['basic'], objects, hash_algo: 'sha256' },
  });
  return { res, body: await res.json<Batch & { message?: string }>() };
}

async function push(user: LfsUser, data: Uint8Array): Promise<string> {
  const oid = await sha256(data);
  const { body } = await batch(user, 'upload', [{ oid, size: data.length }]);
  const upload = body.objects[0]?.actions?.upload;
  if (upload) {
    const put = await followAction(upload, { method: 'PUT', body: data });
    expect(put.status).toBe(200);
  }
  return oid;
}

async function blobStatus(oid: string): Promise<number> {
  return (await api(`/api/spaces/${spaceId}/blobs/${oid}`, { method: 'HEAD', cookie: owner.cookie })).status;
}

describe('Git LFS batch and transfer', () => {
  it('[G1][G2] asks for credentials, refuses a wrong password, and hides a space the user is not in', async () => {
    const none = await batch(null, 'download', [{ oid: 'a'.repeat(64), size: 1 }]);
    expect(none.res.status).toBe(401);
    expect(none.res.headers.get('www-authenticate')).toMatch(/^Basic realm="Baton"/);
    expect(none.res.headers.get('content-type')).toBe('application/vnd.git-lfs+json');
    expect(none.body.message).toMatch(/app password/);
    const wrong = await batch({ ...editor, password: `${editor.password.slice(0, -2)}xx` }, 'download', [
      { oid: 'a'.repeat(64), size: 1 },
    ]);
    expect(wrong.res.status).toBe(401);
    const foreign = await batch(stranger, 'download', [{ oid: 'a'.repeat(64), size: 1 }]);
    expect(foreign.res.status).toBe(404);
    expect(foreign.body.message).toMatch(/not a member/);
  });

  it('[G3][G4] an upload is hash-checked into the space’s blob; a second push and the app see the one blob', async () => {
    const data = bytes(70_000, 1);
    const oid = await sha256(data);
    const { res, body } = await batch(editor, 'upload', [{ oid, size: data.length }]);
    expect(res.status).toBe(200);
    const actions = body.objects[0]?.actions;
    expect(actions?.upload?.href).toBe(`http://baton.test/lfs/${spaceId}/objects/${oid}`);
    expect(actions?.upload?.header.authorization).toMatch(/^Bearer lfs1\./);
    // Bytes that are not the object are refused and nothing is kept.
    const bad = await followAction(actions!.upload!, { method: 'PUT', body: bytes(70_000, 2) });
    expect(bad.status).toBe(422);
    expect(await blobStatus(oid)).toBe(404);
    const short = await followAction(actions!.upload!, { method: 'PUT', body: data.slice(1) });
    expect(short.status).toBe(400);
    const put = await followAction(actions!.upload!, { method: 'PUT', body: data });
    expect(put.status).toBe(200);
    const verify = await followAction(actions!.verify!, {
      method: 'POST',
      body: JSON.stringify({ oid, size: data.length }),
      headers: { 'content-type': 'application/vnd.git-lfs+json' },
    });
    expect(verify.status).toBe(200);
    expect(await blobStatus(oid)).toBe(200);
    // Already stored: no actions for the next pusher.
    const again = await batch(owner, 'upload', [{ oid, size: data.length }]);
    expect(again.body.objects[0]).toEqual({ oid, size: data.length });
    // A viewer downloads the same bytes the app serves.
    const down = await batch(viewer, 'download', [{ oid, size: data.length }]);
    const got = await followAction(down.body.objects[0]!.actions!.download!, { method: 'GET' });
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(data);
    const app = await api(`/api/spaces/${spaceId}/blobs/${oid}`, { cookie: viewer.cookie });
    expect(new Uint8Array(await app.arrayBuffer())).toEqual(data);
  });

  it('[G2][G3] viewers cannot push; an action’s authorization is bound to its object and re-checked', async () => {
    const data = bytes(1_000, 3);
    const oid = await sha256(data);
    const refused = await batch(viewer, 'upload', [{ oid, size: data.length }]);
    expect(refused.res.status).toBe(403);
    expect(refused.body.message).toContain(viewer.username);
    const { body } = await batch(editor, 'upload', [{ oid, size: data.length }]);
    const upload = body.objects[0]!.actions!.upload!;
    const other = await sha256(bytes(1_000, 4));
    const moved = await followAction(
      { href: upload.href.replace(oid, other), header: upload.header },
      { method: 'PUT', body: bytes(1_000, 4) },
    );
    expect(moved.status).toBe(401);
    const forged = await followAction(
      { href: upload.href, header: { authorization: `${upload.header.authorization!.slice(0, -3)}AAA` } },
      { method: 'PUT', body: data },
    );
    expect(forged.status).toBe(401);
    expect(await blobStatus(oid)).toBe(404);
  });

  it('[G3] a download of an object the space lacks is an object error; another hash algorithm is refused', async () => {
    const missing = await batch(viewer, 'download', [{ oid: 'b'.repeat(64), size: 5 }]);
    expect(missing.res.status).toBe(200);
    expect(missing.body.objects[0]?.error?.code).toBe(404);
    const res = await lfs(`/${spaceId}/objects/batch`, viewer, {
      method: 'POST',
      json: { operation: 'download', objects: [{ oid: 'b'.repeat(64), size: 5 }], hash_algo: 'sha512' },
    });
    expect(res.status).toBe(409);
  });

  it('[G4] an object over the size limit or the quota is refused before any byte is sent', async () => {
    const big = await batch(editor, 'upload', [{ oid: 'c'.repeat(64), size: LFS_MAX_OBJECT_BYTES + 1 }]);
    expect(big.body.objects[0]?.error).toMatchObject({ code: 422 });
    expect(big.body.objects[0]?.error?.message).toMatch(/limited to/);
    await spaceStubOf(spaceId).blobSettings({ quotaBytes: 10_000_000 });
    const over = await batch(editor, 'upload', [{ oid: 'd'.repeat(64), size: 20_000_000 }]);
    expect(over.res.status).toBe(507);
    expect(over.body.message).toMatch(/left/);
    await spaceStubOf(spaceId).blobSettings({ quotaBytes: 10 * 1024 ** 3 });
  });

  it('[G1] malformed batch bodies are 4xx with a message, and store nothing', async () => {
    const usage = await spaceStubOf(spaceId).blobUsage();
    const bodies: unknown[] = [
      'not json',
      {},
      { operation: 'upload', objects: [] },
      { operation: 'delete', objects: [{ oid: 'e'.repeat(64), size: 1 }] },
      { operation: 'upload', objects: [{ oid: 'E'.repeat(64), size: 1 }] },
      { operation: 'upload', objects: [{ oid: 'e'.repeat(64), size: -1 }] },
      { operation: 'upload', objects: [{ oid: 'e'.repeat(64), size: 1.5 }] },
      { operation: 'upload', objects: 'all' },
    ];
    for (const json of bodies) {
      const res = await lfs(`/${spaceId}/objects/batch`, editor, {
        method: 'POST',
        ...(typeof json === 'string' ? { body: json } : { json }),
      });
      expect(res.status, JSON.stringify(json)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(json)).toBeLessThan(500);
      expect((await res.json<{ message: string }>()).message.length).toBeGreaterThan(0);
    }
    expect(await spaceStubOf(spaceId).blobUsage()).toEqual(usage);
  });

  it('[G5] objects pushed through Git LFS outlive the orphan clean-up until an owner lets them go', async () => {
    const data = bytes(5_000, 9);
    const oid = await push(editor, data);
    await spaceStubOf(spaceId).blobSettings({ graceMs: 0, releasedGraceMs: 0 });
    await runDurableObjectAlarm(spaceStubOf(spaceId));
    expect(await blobStatus(oid)).toBe(200);
    const byEditor = await api(`/api/spaces/${spaceId}/lfs/objects/${oid}`, {
      method: 'DELETE',
      cookie: editor.cookie,
    });
    expect(byEditor.status).toBe(403);
    const byOwner = await api(`/api/spaces/${spaceId}/lfs/objects/${oid}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    expect(byOwner.status).toBe(204);
    await runDurableObjectAlarm(spaceStubOf(spaceId));
    expect(await blobStatus(oid)).toBe(404);
    await spaceStubOf(spaceId).blobSettings({ graceMs: 86_400_000, releasedGraceMs: 31 * 86_400_000 });
  });
});
