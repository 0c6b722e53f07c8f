import { nameProblem } from '#shared/sync/folders';
import { randomToken } from '../kernel/crypto';
import { ApiError } from '../http/api-error';
import type { DavEntry } from '../space/dav-entry';
import { storeBody } from './blob-put';
import { needRole, type DavContext, type OpenSpace } from './context';
import { checkFolderWrite } from './folder-locks';
import { etagOf, versionOfEtag } from './props';
import { edit, placeValues, typeOf, type Target } from './target';
import { lockClaim, submittedTokens } from './write-claims';

function lengthOf(c: DavContext): number {
  const header = c.req.header('content-length');
  if (header === undefined) {
    if (c.req.header('transfer-encoding'))
      throw new ApiError('LENGTH_REQUIRED', 'Send a Content-Length with the file.');
    return 0;
  }
  if (!/^\d{1,16}$/.test(header)) throw new ApiError('BAD_REQUEST', 'The Content-Length is not a number.');
  return Number(header);
}

/** Where a written file's bytes come from: the request's body, or none at all. */
interface BodySource {
  size(c: DavContext): number;
  store(c: DavContext, space: OpenSpace, size: number): Promise<string>;
}

const REQUEST_BODY: BodySource = { size: lengthOf, store: (c, space, size) => storeBody(c, space, size) };
const NO_BODY: BodySource = {
  size: () => 0,
  store: (c, space) => storeBody(c, space, 0, new ReadableStream({ start: (ctl) => ctl.close() })),
};

/** PUT: a new file, a new version of a file, or a note's new Markdown. */
export function put(c: DavContext, target: Target): Promise<Response> {
  return write(c, target, REQUEST_BODY);
}

/** An empty file at a new URL, for a LOCK there (RFC 4918 §7.3); the request's body is the lock's. */
export function createEmptyFile(c: DavContext, target: Target): Promise<Response> {
  return write(c, target, NO_BODY);
}

async function write(c: DavContext, target: Target, body: BodySource): Promise<Response> {
  if (target.kind === 'root' || target.kind === 'folder')
    throw new ApiError('METHOD_NOT_ALLOWED', 'A folder cannot be written to.');
  const { space } = target;
  needRole(space, 'editor');
  if (target.kind === 'missing' && target.parent === null)
    throw new ApiError('CONFLICT', 'The folder for this file does not exist.');
  const entry = target.kind === 'item' ? target.entry : null;
  const folder = entry?.folder ?? (target.kind === 'missing' ? target.parent : null) ?? '';
  const tokens = await submittedTokens(c, space, entry, folder);
  const folderClaim = await checkFolderWrite(c, space, folder, tokens);
  const bases =
    c.req.header('if-match') === undefined && entry
      ? await lastReadBases(c, space, entry)
      : basesOf(c.req.header('if-match'), entry);
  if (c.req.header('if-none-match') === '*' && entry)
    throw new ApiError('PRECONDITION_FAILED', 'The file exists.');
  if (entry?.kind === 'record')
    throw new ApiError('FORBIDDEN', 'Records are read-only over WebDAV; edit them in the app.');
  const claim = await lockClaim(c, space, entry, tokens, folderClaim);
  const size = body.size(c);
  if (entry?.kind === 'note') {
    const text = await readText(c, size);
    await edit(c, space, [{ itemId: entry.id, kind: 'note', values: { body: text }, ...claim, ...bases }]);
    return c.body(null, 204);
  }
  if (target.kind === 'missing') {
    const problem = nameProblem(target.name);
    if (problem) throw new ApiError('BAD_REQUEST', problem);
  }
  const sha256 = await body.store(c, space, size);
  const name = target.kind === 'item' ? target.entry.name : target.name;
  const values = {
    sha256,
    size,
    ...(entry
      ? {}
      : {
          ...placeValues({ kind: 'file' }, name, target.kind === 'missing' ? (target.parent ?? '') : ''),
          type: typeOf(name, c.req.header('content-type')),
        }),
  };
  await edit(c, space, [{ itemId: entry?.id ?? randomToken(), kind: 'file', values, ...claim, ...bases }]);
  return c.body(null, entry ? 204 : 201);
}

/**
 * `If-Match` on PUT: the current ETag (or `*`) writes as usual; the ETag of an older version of
 * the same item writes too, with that version as the base, so the version it overwrites (an
 * edit made in the app meanwhile) is kept as a conflict copy (S6, D4); anything else is 412.
 */
function basesOf(ifMatch: string | undefined, entry: DavEntry | null): { bases?: Record<string, string> } {
  if (ifMatch === undefined || ifMatch.trim() === '*') return {};
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (!entry) throw new ApiError('PRECONDITION_FAILED', 'There is no file here to match.');
  if (tags.includes(etagOf(entry))) return {};
  const version = tags.map((t) => versionOfEtag(entry.id, t)).find((found) => found !== null);
  if (!version) throw new ApiError('PRECONDITION_FAILED', 'The file changed since you read it.');
  const fields = entry.kind === 'note' ? ['body'] : ['sha256', 'size'];
  return { bases: Object.fromEntries(fields.map((field) => [field, version])) };
}

/**
 * A PUT without `If-Match` (rclone, many editors and scripts) builds on the version this app
 * password last read (S37, D24); one that never read the item replaces it knowingly only where
 * the version came from WebDAV itself, and otherwise keeps it as a conflict copy (base unknown).
 */
async function lastReadBases(
  c: DavContext,
  space: OpenSpace,
  entry: DavEntry,
): Promise<{ bases?: Record<string, string | null> }> {
  const read = await space.stub.davLastRead(c.var.principal.appPasswordId, entry.id);
  if (read === entry.version) return {};
  const fields = entry.kind === 'note' ? ['body'] : ['sha256', 'size'];
  return { bases: Object.fromEntries(fields.map((field) => [field, read])) };
}

async function readText(c: DavContext, size: number): Promise<string> {
  if (size > 1024 * 1024) throw new ApiError('PAYLOAD_TOO_LARGE', 'A note holds at most 1 MiB of text.');
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'A note is UTF-8 text.');
  }
}
