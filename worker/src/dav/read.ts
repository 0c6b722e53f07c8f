import * as v from 'valibot';
import type { LockSummary } from '#shared/locks/schemas';
import { ItemStateSchema } from '#shared/sync/item';
import { contentRange, parseRange, unsatisfiedRange } from '../blobs/range';
import { ApiError } from '../http/api-error';
import { recordJson } from '../space/dav-entry';
import { hrefOf, spacesOf, type DavContext } from './context';
import { folderOfLock } from '#shared/locks/folders';
import { coveringLocks, folderLockOver } from './folder-locks';
import { lockTokenOf } from './locks';
import { etagOf, multistatus, propResponse, type DavResource, type PropRequest } from './props';
import type { Target } from './target';
import type { DavChild } from '../space/dav-tree';
import { clark, DAV_NS, davChild, elements, parseXml, XmlProblem } from './xml';

/** Largest XML body accepted (PROPFIND, PROPPATCH, LOCK). */
export const XML_BODY_MAX = 256 * 1024;

/** Reads and parses an XML body, bounded in size; malformed XML is `400`. */
export async function readXml(c: DavContext) {
  if (Number(c.req.header('content-length') ?? '0') > XML_BODY_MAX)
    throw new ApiError('PAYLOAD_TOO_LARGE', 'The XML body is too large.');
  const text = await c.req.text();
  if (text.length > XML_BODY_MAX) throw new ApiError('PAYLOAD_TOO_LARGE', 'The XML body is too large.');
  try {
    return parseXml(text);
  } catch (error) {
    if (error instanceof XmlProblem) throw new ApiError('BAD_REQUEST', error.message);
    throw error;
  }
}

function propRequestOf(root: ReturnType<typeof parseXml>): PropRequest {
  if (!root) return { kind: 'allprop' };
  if (root.ns !== DAV_NS || root.local !== 'propfind')
    throw new ApiError('BAD_REQUEST', 'Expected a DAV:propfind body.');
  if (davChild(root, 'propname')) return { kind: 'propname' };
  const prop = davChild(root, 'prop');
  if (prop) return { kind: 'prop', names: elements(prop).map(clark) };
  if (davChild(root, 'allprop')) return { kind: 'allprop' };
  throw new ApiError('BAD_REQUEST', 'A propfind names allprop, propname or prop.');
}

/** PROPFIND with Depth 0 or 1 (infinity is refused: `propfind-finite-depth`). */
export async function propfind(c: DavContext, target: Target): Promise<Response> {
  const depth = c.req.header('depth') ?? 'infinity';
  if (depth.toLowerCase() === 'infinity') {
    return c.body(
      '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>',
      403,
      { 'content-type': 'application/xml; charset=utf-8' },
    );
  }
  if (depth !== '0' && depth !== '1') throw new ApiError('BAD_REQUEST', 'Depth must be 0 or 1.');
  const request = propRequestOf(await readXml(c));
  const now = Date.now();
  const resources: DavResource[] = [];
  if (target.kind === 'root') {
    resources.push({ href: '/dav/', collection: true, displayName: 'Baton', dead: {}, lock: null });
    if (depth === '1') {
      for (const space of await spacesOf(c)) {
        resources.push({
          href: hrefOf([space.name], true),
          collection: true,
          displayName: space.name,
          dead: {},
          lock: null,
        });
      }
    }
  } else if (target.kind === 'missing') {
    throw new ApiError('NOT_FOUND', 'Nothing is at this path.');
  } else {
    const { space } = target;
    // Only what is listed is read: the resource, its children (Depth 1), their locks and properties.
    const self: DavChild =
      target.kind === 'folder'
        ? { type: 'folder', name: target.segments.at(-1) ?? '', path: target.path }
        : { type: 'item', name: target.name, entry: target.entry };
    const nodes: { segments: string[]; node: DavChild }[] = [{ segments: target.segments, node: self }];
    if (target.kind === 'folder' && depth === '1') {
      for (const child of await space.stub.davChildren(target.path))
        nodes.push({ segments: [...target.segments, child.name], node: child });
    }
    const keyOf = (node: DavChild) => (node.type === 'folder' ? `folder:${node.path}` : node.entry.id);
    // The items' own locks, and the folder check-outs over what is listed (L24).
    const lockNames = new Set(
      nodes.flatMap(({ node }) =>
        node.type === 'item'
          ? coveringLocks(node.entry.folder, node.entry.id)
          : coveringLocks(node.path, null),
      ),
    );
    const [held, props, usage] = await Promise.all([
      space.stub.listLocksOf([...lockNames]),
      space.stub.davPropsOf(nodes.map(({ node }) => keyOf(node))),
      space.stub.blobUsage(),
    ]);
    const locks = new Map<string, LockSummary>(held.map((l) => [l.name, l]));
    const quota = {
      used: usage.usedBytes,
      available: Math.max(0, usage.quotaBytes - usage.usedBytes - usage.reservedBytes),
    };
    for (const { segments, node } of nodes)
      resources.push(
        await resourceOf(segments, node, locks, now, quota, props[keyOf(node)] ?? {}, space.spaceId),
      );
  }
  return c.body(multistatus(resources.map((r) => propResponse(r, request, now))), 207, {
    'content-type': 'application/xml; charset=utf-8',
  });
}

async function resourceOf(
  segments: string[],
  node: DavChild,
  locks: Map<string, LockSummary>,
  now: number,
  quota: { used: number; available: number },
  dead: Record<string, string>,
  spaceId: string,
): Promise<DavResource> {
  const folderLock = folderLockOver(locks, node.type === 'folder' ? node.path : node.entry.folder, now);
  // A folder's check-out shows on everything it covers, rooted at the folder (RFC 4918 §6.1, L24).
  const covered = folderLock
    ? {
        lock: folderLock.holder,
        lockToken: await lockTokenOf(spaceId, folderLock.name, folderLock.holder.token),
        lockRoot: hrefOf([...segments.slice(0, 1), ...folderOfLock(folderLock.name).split('/')], true),
      }
    : { lock: null };
  if (node.type === 'folder') {
    return {
      href: hrefOf(segments, true),
      collection: true,
      displayName: segments.at(-1) ?? '',
      dead,
      ...covered,
      quota,
    };
  }
  const holder = locks.get(node.entry.id)?.holder ?? null;
  const lock = holder && (holder.expiresAt === null || holder.expiresAt > now) ? holder : null;
  return {
    href: hrefOf(segments, false),
    collection: false,
    displayName: node.name,
    entry: node.entry,
    dead,
    ...(lock ? { lock, lockToken: await lockTokenOf(spaceId, node.entry.id, lock.token) } : covered),
  };
}

/** GET and HEAD: a file's bytes (with Range and ETag), a note's Markdown, a record's JSON, or a folder listing. */
export async function get(c: DavContext, target: Target): Promise<Response> {
  const head = c.req.method.toUpperCase() === 'HEAD';
  if (target.kind === 'missing') throw new ApiError('NOT_FOUND', 'Nothing is at this path.');
  if (target.kind !== 'item') {
    const names =
      target.kind === 'root'
        ? (await spacesOf(c)).map((s) => `${s.name}/`)
        : (await target.space.stub.davChildren(target.path)).map((ch) =>
            ch.type === 'folder' ? `${ch.name}/` : ch.name,
          );
    return new Response(head ? null : `${names.join('\n')}\n`, {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const { entry, space } = target;
  const etag = etagOf(entry);
  const headers = new Headers({
    etag,
    'last-modified': new Date(entry.modified).toUTCString(),
    'content-type': entry.type,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  });
  // What this program read is the base of its next PUT without If-Match (S37, D24).
  if (!head)
    await space.stub.davRead({
      reader: c.var.principal.appPasswordId,
      itemId: entry.id,
      version: entry.version,
    });
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*'))
    return new Response(null, { status: 304, headers });
  if (entry.kind !== 'file') {
    const json = await space.stub.davItem(entry.id);
    const item = json === null ? null : v.parse(ItemStateSchema, JSON.parse(json));
    const body =
      entry.kind === 'note'
        ? typeof item?.fields.body?.v === 'string'
          ? item.fields.body.v
          : ''
        : item
          ? recordJson(item)
          : '';
    const bytes = new TextEncoder().encode(body);
    headers.set('content-length', String(bytes.length));
    return new Response(head ? null : bytes, { status: 200, headers });
  }
  const range =
    c.req.header('if-range') && c.req.header('if-range') !== etag
      ? { kind: 'full' as const }
      : parseRange(c.req.header('range'), entry.size);
  if (range.kind === 'unsatisfiable') {
    headers.set('content-range', unsatisfiedRange(entry.size));
    return new Response(null, { status: 416, headers });
  }
  const partial = range.kind === 'partial';
  headers.set('content-length', String(partial ? range.end - range.start + 1 : entry.size));
  if (partial) headers.set('content-range', contentRange(range.start, range.end, entry.size));
  if (head || entry.size === 0 || !entry.sha256)
    return new Response(head || entry.size > 0 ? null : '', { status: partial ? 206 : 200, headers });
  const stored = await space.stub.blobGet(entry.sha256);
  const object =
    stored &&
    (await c.env.BLOBS.get(
      stored.key,
      partial ? { range: { offset: range.start, length: range.end - range.start + 1 } } : {},
    ));
  if (!object) throw new ApiError('NOT_FOUND', 'The file’s bytes are missing.');
  return new Response(object.body, { status: partial ? 206 : 200, headers });
}
