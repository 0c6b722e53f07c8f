import type { MutationResult } from '#shared/sync/protocol';
import { FOLDER_FIELD } from '#shared/sync/folders';
import type { JsonValue } from '#shared/sync/item';
import { ApiError } from '../http/api-error';
import type { ServerEdit } from '../space/server-edit';
import type { ServerEditRequest } from '../space/space-sync';
import type { DavEntry } from '../space/dav-entry';
import type { DavTreeChange } from '../space/dav-store';
import { openSpace, type DavContext, type OpenSpace } from './context';

/** What a request path names. */
export type Target =
  | { kind: 'root' }
  | { kind: 'folder'; space: OpenSpace; path: string; segments: string[] }
  | { kind: 'item'; space: OpenSpace; entry: DavEntry; name: string; segments: string[] }
  | { kind: 'missing'; space: OpenSpace; parent: string | null; name: string; segments: string[] };

/** Resolves path segments (below `/dav/`) to what they name. */
export async function resolveTarget(c: DavContext, segments: string[]): Promise<Target> {
  const [spaceName, ...rest] = segments;
  if (spaceName === undefined) return { kind: 'root' };
  const space = await openSpace(c, spaceName);
  const node = await space.stub.davResolve(rest);
  if (node.kind === 'folder') return { kind: 'folder', space, path: node.path, segments };
  if (node.kind === 'item') return { kind: 'item', space, entry: node.entry, name: node.name, segments };
  return { kind: 'missing', space, parent: node.parent, name: node.name, segments };
}

/**
 * Makes server-side edits as the caller, and the changes of folders and dead properties that go
 * with them, in one transaction of the space (D10); a fenced or refused edit becomes 423 / 409
 * and changes no folder.
 */
export async function edit(
  c: DavContext,
  space: OpenSpace,
  edits: ServerEdit[],
  then: DavTreeChange[] = [],
): Promise<void> {
  if (edits.length === 0 && then.length === 0) return;
  // The RPC stub's inferred type of a JSON-valued argument is too deep for tsc; the values are plain JSON.
  const stub = space.stub as unknown as { serverEdit(request: ServerEditRequest): Promise<MutationResult[]> };
  const results = await stub.serverEdit({ edits, userId: c.var.principal.userId, then });
  const refused = results.find((r) => r.status === 'rejected');
  if (refused && refused.status === 'rejected') {
    throw new ApiError(refused.code === 'FENCED' ? 'LOCKED' : 'CONFLICT', refused.message);
  }
}

/** The fields that name an item in a folder: file name, or a note's or record's title. */
export function placeValues(
  entry: Pick<DavEntry, 'kind'>,
  name: string,
  folder: string,
): Record<string, JsonValue> {
  if (entry.kind === 'file') return { name, title: name, [FOLDER_FIELD]: folder };
  const title = entry.kind === 'note' ? name.replace(/\.md$/i, '') : name.replace(/\.json$/i, '');
  return { title, [FOLDER_FIELD]: folder };
}

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  psd: 'image/vnd.adobe.photoshop',
  csv: 'text/csv',
};

/** A content type for a new file by its extension (desktop clients rarely send a useful one). */
export function typeOf(name: string, sent: string | undefined): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? (sent && /^[\w.+-]+\/[\w.+-]+/.test(sent) ? sent : 'application/octet-stream');
}
