import { Hono } from 'hono';
import { randomToken } from '../kernel/crypto';
import { appPasswordErrorResponse, requireAppPassword } from '../auth/app-password';
import { ApiError } from '../http/api-error';
import { needRole, segmentsOf, type DavContext, type DavEnv } from './context';
import { checkFolderWrite, describeLock } from './folder-locks';
import { lockFolder, refreshLock, unlock, webdavHolder } from './lock-folder';
import { checkWriteLock, leaseOf, lockStub, lockTokenOf } from './locks';
import { etagOf, lockDiscovery, multistatus } from './props';
import { get, propfind, readXml } from './read';
import { resolveTarget, type Target } from './target';
import { copyOrMove, mkcol, put, remove, submittedTokens } from './write';
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

async function lock(c: DavContext, target: Target): Promise<Response> {
  if (target.kind === 'root') throw new ApiError('FORBIDDEN', 'Spaces are checked out folder by folder.');
  const space = target.space;
  needRole(space, 'editor');
  const ttlMs = leaseOf(c.req.header('timeout'));
  const owner = { userId: c.var.principal.userId, username: c.var.principal.username };
  const href = new URL(c.req.url).pathname;
  const root = await readXml(c);
  // A refresh: the If header names the lock (RFC 4918 §9.10.2).
  if (!root) return refreshLock(c, target, owner, ttlMs);
  if (root.ns !== DAV_NS || root.local !== 'lockinfo')
    throw new ApiError('BAD_REQUEST', 'Expected a DAV:lockinfo body.');
  if (davChild(root, 'lockscope') && !davChild(davChild(root, 'lockscope') ?? root, 'exclusive'))
    throw new ApiError('NOT_IMPLEMENTED', 'Only exclusive locks are offered: a check-out is for one person.');
  if (target.kind === 'folder') return lockFolder(c, target, owner, ttlMs);
  if (
    (c.req.header('depth') ?? '0') !== '0' &&
    target.kind === 'item' &&
    c.req.header('depth')?.toLowerCase() !== 'infinity'
  )
    throw new ApiError('BAD_REQUEST', 'Depth must be 0 or infinity.');
  let itemId: string;
  let created = false;
  if (target.kind === 'missing') {
    // A lock on an unmapped URL makes an empty file (RFC 4918 §7.3), then locks it.
    await put(c, target, true);
    const again = await resolveTarget(c, target.segments);
    if (again.kind !== 'item') throw new ApiError('CONFLICT', 'The file could not be made.');
    itemId = again.entry.id;
    created = true;
  } else {
    itemId = target.entry.id;
  }
  const ref = { spaceId: space.spaceId, name: itemId };
  const answer = await lockStub(c, space, itemId).acquire(
    ref,
    owner,
    { requestId: randomToken(), ttlMs, waitMs: 0 },
    'webdav',
  );
  if (answer.status !== 'granted') {
    const who = answer.status === 'busy' ? answer.holder.username : 'someone else';
    const around =
      answer.status === 'busy' && answer.blockedBy ? await describeLock(space, answer.blockedBy) : null;
    throw new ApiError(
      'LOCKED',
      around ? `This file is in ${around}, checked out by ${who}.` : `This item is checked out by ${who}.`,
    );
  }
  const token = await lockTokenOf(space.spaceId, itemId, answer.token);
  return c.body(
    lockDiscovery(webdavHolder(owner, answer.token, answer.expiresAt), token, href, Date.now()),
    created ? 201 : 200,
    { ...XML, 'lock-token': `<${token}>` },
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
      return get(c, target, false);
    case 'HEAD':
      return get(c, target, true);
    case 'PUT':
      return put(c, target);
    case 'DELETE':
      return remove(c, target);
    case 'MKCOL':
      return mkcol(c, target);
    case 'COPY':
      return copyOrMove(c, target, false);
    case 'MOVE':
      return copyOrMove(c, target, true);
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
