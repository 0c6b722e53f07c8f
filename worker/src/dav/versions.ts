import { Hono } from 'hono';
import * as v from 'valibot';
import { HISTORY_PAGE_MAX, HistoryResponseSchema, type HistoryEdit } from '#shared/history/protocol';
import { appPasswordErrorResponse, requireAppPassword } from '../auth/app-password';
import { ApiError } from '../http/api-error';
import { segmentsOf, spacesOf, type DavContext, type DavEnv } from './context';
import { resolveTarget, type Target } from './target';
import { escapeXml } from './xml';

// Every version of a note or file, read-only, under `/dav-versions/` beside `/dav/` (V19):
// `/dav-versions/<space>/<path of the item>/` is a folder of its versions, named by time, author
// and front. Never inside `/dav/`'s folders, so a sync client copying a space does not copy its
// history.

const PREFIX = '/dav-versions';
const ALLOW = 'OPTIONS, GET, HEAD, PROPFIND';
/** Most versions one listing shows (the newest). */
const VERSIONS_MAX = 500;

interface VersionFile {
  name: string;
  at: number;
  /** A note's text, or a file's content address and size. */
  content: { text: string } | { sha256: string; size: number | null };
}

const hrefOf = (segments: readonly string[], collection: boolean) =>
  `${PREFIX}/${segments.map(encodeURIComponent).join('/')}${collection && segments.length > 0 ? '/' : ''}`;

/** The versions of an item as files, newest first: `2026-12-06 09.10.00.123 ana (webdav).md`. */
async function versionsOf(target: Extract<Target, { kind: 'item' }>): Promise<VersionFile[]> {
  const field = target.entry.kind === 'note' ? 'body' : target.entry.kind === 'file' ? 'sha256' : null;
  if (field === null) return [];
  const ext = target.entry.kind === 'note' ? '.md' : (/\.[^.]+$/.exec(target.name)?.[0] ?? '');
  const edits: HistoryEdit[] = [];
  let before: string | null = null;
  while (edits.length < VERSIONS_MAX) {
    const text = await target.space.stub.historyPage(target.entry.id, before, HISTORY_PAGE_MAX);
    if (text === null) break;
    const page = v.parse(HistoryResponseSchema, JSON.parse(text));
    edits.push(...page.edits);
    if (!page.more) break;
    before = page.edits.at(-1)?.stamp ?? null;
  }
  const seen = new Set<string>();
  const files: VersionFile[] = [];
  for (const edit of edits) {
    const written = edit.fields.find((f) => f.field === field);
    if (!written || typeof written.value !== 'string') continue;
    const when =
      edit.at === 0
        ? 'earlier'
        : new Date(edit.at).toISOString().replace('T', ' ').replace(/:/g, '.').slice(0, 23);
    let name = `${when} ${edit.author ?? 'before history'} (${edit.front})${ext}`;
    for (let n = 2; seen.has(name); n++)
      name = `${when} ${edit.author ?? 'before history'} (${edit.front}) ${n}${ext}`;
    seen.add(name);
    const size = edit.fields.find((f) => f.field === 'size')?.value;
    files.push({
      name,
      at: edit.at,
      content:
        field === 'body'
          ? { text: written.value }
          : { sha256: written.value, size: typeof size === 'number' ? size : null },
    });
  }
  return files;
}

function response(href: string, name: string, collection: boolean, extra = ''): string {
  const type = collection ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>';
  return (
    `<D:response><D:href>${escapeXml(href)}</D:href><D:propstat><D:prop>${type}` +
    `<D:displayname>${escapeXml(name)}</D:displayname>${extra}</D:prop>` +
    `<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`
  );
}

function fileProps(file: VersionFile): string {
  const length =
    'text' in file.content ? new TextEncoder().encode(file.content.text).length : file.content.size;
  return (
    (length === null ? '' : `<D:getcontentlength>${length}</D:getcontentlength>`) +
    (file.at > 0 ? `<D:getlastmodified>${new Date(file.at).toUTCString()}</D:getlastmodified>` : '')
  );
}

async function propfind(c: DavContext, segments: string[]): Promise<Response> {
  const depth = c.req.header('depth') ?? '1';
  if (depth !== '0' && depth !== '1') throw new ApiError('FORBIDDEN', 'Depth must be 0 or 1 here.');
  const out: string[] = [response(hrefOf(segments, true), segments.at(-1) ?? 'Versions', true)];
  if (segments.length === 0) {
    if (depth === '1')
      for (const space of await spacesOf(c)) out.push(response(hrefOf([space.name], true), space.name, true));
  } else {
    const target = await resolveTarget(c, segments);
    if (target.kind === 'item') {
      if (depth === '1')
        for (const file of await versionsOf(target))
          out.push(response(hrefOf([...segments, file.name], false), file.name, false, fileProps(file)));
    } else if (target.kind === 'folder') {
      // Folders and items alike are folders here: an item's holds its versions.
      if (depth === '1')
        for (const child of await target.space.stub.davChildren(target.path))
          out.push(response(hrefOf([...segments, child.name], true), child.name, true));
    } else return versionFile(c, segments, true);
  }
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${out.join('')}</D:multistatus>`;
  return c.body(body, 207, { 'content-type': 'application/xml; charset=utf-8' });
}

/** GET (or PROPFIND) of one version file: the parent path names the item. */
async function versionFile(c: DavContext, segments: string[], describe: boolean): Promise<Response> {
  const parent = segments.length > 1 ? await resolveTarget(c, segments.slice(0, -1)) : null;
  const file =
    parent?.kind === 'item' ? (await versionsOf(parent)).find((f) => f.name === segments.at(-1)) : undefined;
  if (!parent || parent.kind !== 'item' || !file) throw new ApiError('NOT_FOUND', 'No such version.');
  if (describe) {
    const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${response(hrefOf(segments, false), file.name, false, fileProps(file))}</D:multistatus>`;
    return c.body(body, 207, { 'content-type': 'application/xml; charset=utf-8' });
  }
  const headers = {
    'content-type': 'text' in file.content ? 'text/markdown; charset=utf-8' : parent.entry.type,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  };
  if ('text' in file.content) return c.body(file.content.text, 200, headers);
  // The space's blob record says where the bytes are (D7: stored once, under the key they came in with).
  const stored = await parent.space.stub.blobGet(file.content.sha256);
  const object = stored ? await c.env.BLOBS.get(stored.key) : null;
  if (!object) throw new ApiError('NOT_FOUND', 'The bytes of this version are no longer kept.');
  return new Response(object.body, { status: 200, headers });
}

async function handle(c: DavContext): Promise<Response> {
  const method = c.req.method.toUpperCase();
  if (method === 'OPTIONS') return c.body(null, 200, { dav: '1', allow: ALLOW });
  const pathname = new URL(c.req.url).pathname;
  // The same path rules as /dav/ (no `..`, no encoded separators), below this root.
  const segments = segmentsOf(`/dav${pathname.slice(PREFIX.length)}`);
  if (method === 'PROPFIND') return propfind(c, segments);
  if (method === 'GET' || method === 'HEAD') {
    const response = await versionFile(c, segments, false);
    return method === 'HEAD' ? new Response(null, response) : response;
  }
  throw new ApiError('METHOD_NOT_ALLOWED', 'Versions are read-only here; restore them in the app’s History.');
}

/** `/dav-versions/`: read-only WebDAV of every version (docs/webdav.md), app passwords only. */
export const davVersionRoutes = new Hono<DavEnv>().use('*', requireAppPassword).all('*', async (c) => {
  try {
    return await handle(c);
  } catch (error) {
    if (error instanceof ApiError) {
      const answer = appPasswordErrorResponse(error);
      if (error.status === 405) answer.headers.set('allow', ALLOW);
      return answer;
    }
    throw error;
  }
});
