import * as v from 'valibot';
import { MIN_PART_BYTES } from '#shared/blobs/limits';
import { CreateUploadResponseSchema, PART_SHA256_HEADER } from '#shared/blobs/protocol';
import { ErrorBodySchema } from '#shared/errors';
import { sha256 } from '../../../tests/support/sha256';
import { api } from './accounts';

/** The blob routes of a space. */
export const blobsOf = (id: string) => `/api/spaces/${id}/blobs`;

/** `length` random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536)
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  return out;
}

/** The error code of a failed response. */
export async function codeOf(res: Response): Promise<string> {
  return v.parse(ErrorBodySchema, await res.json()).code;
}

/** A single-request upload. */
export async function put(cookie: string, id: string, data: Uint8Array, hash?: string) {
  return api(`${blobsOf(id)}/${hash ?? (await sha256(data))}`, { method: 'PUT', cookie, body: data });
}

/** Starts (or resumes) a multipart upload. */
export async function multipart(
  cookie: string,
  id: string,
  data: Uint8Array,
  partSize = MIN_PART_BYTES,
  hash?: string,
) {
  const sha = hash ?? (await sha256(data));
  const res = await api(`${blobsOf(id)}/uploads`, {
    method: 'POST',
    cookie,
    json: { sha256: sha, size: data.length, partSize },
  });
  const json: unknown = await res.json();
  return { res, body: res.ok ? v.parse(CreateUploadResponseSchema, json) : json, sha };
}

/** Sends one part with its SHA-256 (or the given one). */
export async function putPart(
  cookie: string,
  id: string,
  uploadId: string,
  n: number,
  part: Uint8Array,
  hash?: string,
) {
  return api(`${blobsOf(id)}/uploads/${uploadId}/parts/${n}`, {
    method: 'PUT',
    cookie,
    body: part,
    headers: { [PART_SHA256_HEADER]: hash ?? (await sha256(part)) },
  });
}
