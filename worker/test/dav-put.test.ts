/**
 * D7: a WebDAV PUT that cannot be kept leaves the previous version in place — a body cut off
 * midway, and a file over the size limit (refused before a byte is read).
 */
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { BlobUsageSchema } from '#shared/blobs/protocol';
import { MAX_FILE_BYTES } from '#shared/blobs/limits';
import { api, appPassword, createSpace, ORIGIN, signUp } from './support/accounts';

describe('WebDAV PUT that fails', () => {
  let auth = '';
  let cookie = '';
  let spaceId = '';
  const url = `${ORIGIN}/dav/Puts/report.txt`;
  const put = (body: BodyInit, headers: Record<string, string> = {}) =>
    exports.default.fetch(url, { method: 'PUT', headers: { authorization: auth, ...headers }, body });
  const read = async () => (await exports.default.fetch(url, { headers: { authorization: auth } })).text();
  const usage = async () =>
    v.parse(BlobUsageSchema, await (await api(`/api/spaces/${spaceId}/blobs/usage`, { cookie })).json());

  beforeAll(async () => {
    const owner = await signUp();
    cookie = owner.cookie;
    spaceId = (await createSpace(owner.cookie, 'Puts')).spaceId;
    const made = await appPassword(owner, { name: 'put tests' });
    auth = `Basic ${btoa(`${owner.username}:${made.password}`)}`;
    expect((await put('version one')).status).toBe(201);
  });

  it('[D7] a body cut off midway is refused with a 4xx and the previous version stays', async () => {
    const before = await usage();
    const cut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('version two, but only the first half'));
        controller.error(new Error('connection lost'));
      },
    });
    const res = await put(cut, { 'content-length': '4096' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await read()).toBe('version one');
    expect(await usage()).toEqual(before);
  });

  it('[D7] a file over the size limit is refused before its bytes are kept; the previous version stays', async () => {
    const before = await usage();
    const res = await put('x', { 'content-length': String(MAX_FILE_BYTES + 1) });
    expect(res.status).toBe(413);
    expect(await read()).toBe('version one');
    expect(await usage()).toEqual(before);
  });
});
