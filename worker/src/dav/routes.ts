import { Hono } from 'hono';
import { appPasswordErrorResponse, requireAppPassword } from '../auth/app-password';
import { ApiError } from '../http/api-error';
import { needRole, segmentsOf, type DavContext, type DavEnv } from './context';
import { checkFolderWrite } from './folder-locks';
import { unlock } from './lock-folder';
import { checkWriteLock } from './locks';
import { etagOf, multistatus } from './props';
import { get, propfind, readXml } from './read';
import { resolveTarget, type Target } from './target';
import { lock } from './lock';
import { copy, mkcol, move, remove } from './namespace';
import { put } from './write';
import { submittedTokens } from './write-claims';
import { clark, DAV_NS, davChild, elements, escapeXml, serialize } from './xml';

const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK';
const XML = { 'content-type': 'application/xml; charset=utf-8' };

/** Properties the server computes: PROPPATCH cannot set or remove them (RFC 4918 §9.2). */
const LIVE = new Set(
  [
    'resourcetype',
    'displayname',
    'supportedlock',
    'lockdiscovery',
    'creationdate',
    'getlastmodified',
    'getcontentlength',
    'getcontenttype',
    'getetag',
    'quota-used-bytes',
    'quota-available-bytes',
  ].map((local) => `{${DAV_NS}}${local}`),
);

async function proppatch(c: DavContext, target: Target): Promise<Response> {
  if (target.kind === 'root' || target.kind === 'missing')
    throw new ApiError(
      target.kind === 'root' ? 'FORBIDDEN' : 'NOT_FOUND',
      'Properties can be set on files and folders only.',
    );
  needRole(target.space, 'editor');
  const folder = target.kind === 'item' ? target.entry.folder : target.path;
  const tokens = await submittedTokens(c, target.space, target.kind === 'item' ? target.entry : null, folder);
  await checkFolderWrite(c, target.space, folder, tokens);
  if (target.kind === 'item') await checkWriteLock(c, target.space, target.entry.id, tokens);
  const root = await readXml(c);
  if (!root || root.ns !== DAV_NS || root.local !== 'propertyupdate')
    throw new ApiError('BAD_REQUEST', 'Expected a DAV:propertyupdate body.');
  const set: Record<string, string> = {};
  const removed: string[] = [];
  const names: string[] = [];
  for (const op of elements(root)) {
    const prop =
      op.ns === DAV_NS && (op.local === 'set' || op.local === 'remove') ? davChild(op, 'prop') : undefined;
    if (!prop) throw new ApiError('BAD_REQUEST', 'A propertyupdate holds set and remove.');
    for (const el of elements(prop)) {
      const name = clark(el);
      names.push(name);
      // Operations apply in document order (RFC 4918 §9.2): the last one on a name wins.
      if (op.local === 'set') {
        set[name] = serialize(el);
        removed.splice(0, removed.length, ...removed.filter((n) => n !== name));
      } else {
        delete set[name];
        removed.push(name);
      }
    }
  }
  const protectedNames = names.filter((n) => LIVE.has(n));
  const key = target.kind === 'folder' ? `folder:${target.path}` : target.entry.id;
  if (protectedNames.length === 0)
    await target.space.stub.davPatchProps({ target: key, set, remove: removed });
  const propXml = (n: string) => {
    const end = n.indexOf('}');
    return `<x:${n.slice(end + 1)} xmlns:x="${escapeXml(n.slice(1, end))}"/>`;
  };
  const stat = (list: string[], status: string) =>
    list.length === 0
      ? ''
      : `<D:propstat><D:prop>${list.map(propXml).join('')}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`;
  const others = [...new Set(names)].filter((n) => !LIVE.has(n));
  const body =
    protectedNames.length === 0
      ? stat([...new Set(names)], '200 OK')
      : stat(protectedNames, '403 Forbidden') + stat(others, '424 Failed Dependency');
  return c.body(
    multistatus([
      `<D:response><D:href>${escapeXml(new URL(c.req.url).pathname)}</D:href>${body}</D:response>`,
    ]),
    207,
    XML,
  );
}

async function handle(c: DavContext): Promise<Response> {
  const method = c.req.method.toUpperCase();
  if (method === 'OPTIONS') return c.body(null, 200, { dav: '1, 2', allow: ALLOW, 'ms-author-via': 'DAV' });
  const target = await resolveTarget(c, segmentsOf(new URL(c.req.url).pathname));
  switch (method) {
    case 'PROPFIND':
      return propfind(c, target);
    case 'PROPPATCH':
      return proppatch(c, target);
    case 'GET':
    case 'HEAD':
      return get(c, target);
    case 'PUT':
      return put(c, target);
    case 'DELETE':
      return remove(c, target);
    case 'MKCOL':
      return mkcol(c, target);
    case 'COPY':
      return copy(c, target);
    case 'MOVE':
      return move(c, target);
    case 'LOCK':
      return lock(c, target);
    case 'UNLOCK':
      return unlock(c, target);
    default:
      throw new ApiError('METHOD_NOT_ALLOWED', `${method} is not a WebDAV method this server offers.`);
  }
}

/**
 * WebDAV at `/dav/` (RFC 4918 classes 1 and 2; docs/webdav.md, rules in docs/spec/webdav.md):
 * app passwords only, never the session cookie. The root lists the caller's spaces as folders.
 */
export const davRoutes = new Hono<DavEnv>().use('*', requireAppPassword).all('*', async (c) => {
  try {
    return await handle(c);
  } catch (error) {
    if (error instanceof ApiError) {
      const response = appPasswordErrorResponse(error);
      if (error.status === 405) response.headers.set('allow', ALLOW);
      return response;
    }
    throw error;
  }
});

export { etagOf };
