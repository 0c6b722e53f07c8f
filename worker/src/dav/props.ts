import type { LockSummary } from '#shared/locks/schemas';
import type { DavEntry } from '../space/dav-entry';
import { lockTokenOf } from './locks';
import { clark, DAV_NS, escapeXml, fromClark } from './xml';

/** What a PROPFIND asks for: all properties, their names only, or the named ones (Clark names). */
export type PropRequest = { kind: 'allprop' } | { kind: 'propname' } | { kind: 'prop'; names: string[] };

/** A resource as PROPFIND describes it. */
export interface DavResource {
  href: string;
  collection: boolean;
  displayName: string;
  entry?: DavEntry;
  /** Dead properties, by Clark name, each the stored XML of the property element. */
  dead: Record<string, string>;
  lock: LockSummary['holder'];
  lockToken?: string;
  /** Where the lock is rooted when it is a folder's check-out covering this resource (L24). */
  lockRoot?: string;
  quota?: { used: number; available: number };
  created?: number;
  modified?: number;
}

/** The ETag of an item: changes exactly when its content does (it is the content's stamp). */
export function etagOf(entry: DavEntry): string {
  return `"${entry.id}.${entry.version}"`;
}

/** The content stamp an ETag of `itemId` names, or null when it is not one of its ETags. */
export function versionOfEtag(itemId: string, etag: string): string | null {
  const match = /^"([^".]+)\.(\d{15}-\d{6}-[A-Za-z0-9_-]{4,64})"$/.exec(etag.trim());
  return match && match[1] === itemId ? (match[2] ?? null) : null;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The `<D:activelock>` of a held lock: on one resource (depth 0), or a folder's check-out (infinity). */
export function activeLock(
  holder: NonNullable<LockSummary['holder']>,
  token: string,
  href: string,
  now: number,
  depth: '0' | 'infinity' = '0',
): string {
  // A check-out from the app (no lease) is shown as Infinite.
  const timeout =
    holder.expiresAt === null
      ? 'Infinite'
      : `Second-${Math.max(0, Math.ceil((holder.expiresAt - now) / 1000))}`;
  return (
    `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope>` +
    `<D:depth>${depth}</D:depth><D:owner>${escapeXml(holder.username)}</D:owner><D:timeout>${timeout}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(href)}</D:href></D:lockroot></D:activelock>`
  );
}

/** The body of a LOCK answer: the lock's `lockdiscovery`. */
export function lockDiscovery(
  holder: NonNullable<LockSummary['holder']>,
  token: string,
  href: string,
  now: number,
  depth: '0' | 'infinity' = '0',
): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLock(holder, token, href, now, depth)}</D:lockdiscovery></D:prop>`;
}

const SUPPORTED_LOCK =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>';

/** The live properties of a resource, by Clark name, as XML element strings. */
function liveProps(r: DavResource, now: number): Map<string, string> {
  const live = new Map<string, string>();
  const set = (local: string, inner: string | null) => {
    live.set(`{${DAV_NS}}${local}`, inner === null ? `<D:${local}/>` : `<D:${local}>${inner}</D:${local}>`);
  };
  set('resourcetype', r.collection ? '<D:collection/>' : null);
  set('displayname', escapeXml(r.displayName));
  set('supportedlock', SUPPORTED_LOCK);
  set(
    'lockdiscovery',
    r.lock && r.lockToken
      ? activeLock(r.lock, r.lockToken, r.lockRoot ?? r.href, now, r.lockRoot ? 'infinity' : '0')
      : null,
  );
  const created = r.entry?.created ?? r.created;
  const modified = r.entry?.modified ?? r.modified;
  if (created) set('creationdate', iso(created));
  if (modified) set('getlastmodified', new Date(modified).toUTCString());
  if (r.entry) {
    set('getcontentlength', String(r.entry.size));
    set('getcontenttype', escapeXml(r.entry.type));
    set('getetag', escapeXml(etagOf(r.entry)));
  }
  if (r.quota) {
    set('quota-used-bytes', String(r.quota.used));
    set('quota-available-bytes', String(r.quota.available));
  }
  return live;
}

/** The XML of a dead property's name only (for propname and for 404 propstats). */
function emptyProp(name: string): string {
  const { ns, local } = fromClark(name);
  return ns === DAV_NS ? `<D:${local}/>` : `<${local} xmlns="${escapeXml(ns)}"/>`;
}

/** One `<D:response>` of a multistatus for a resource. */
export function propResponse(r: DavResource, request: PropRequest, now: number): string {
  const live = liveProps(r, now);
  const found: string[] = [];
  const missing: string[] = [];
  if (request.kind === 'prop') {
    for (const name of request.names) {
      const value = live.get(name) ?? r.dead[name];
      if (value !== undefined) found.push(value);
      else missing.push(emptyProp(name));
    }
  } else if (request.kind === 'propname') {
    for (const name of [...live.keys(), ...Object.keys(r.dead)]) found.push(emptyProp(name));
  } else {
    found.push(...live.values(), ...Object.values(r.dead));
  }
  const stat = (props: string[], status: string) =>
    props.length === 0
      ? ''
      : `<D:propstat><D:prop>${props.join('')}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`;
  return `<D:response><D:href>${escapeXml(r.href)}</D:href>${stat(found, '200 OK')}${stat(missing, '404 Not Found')}</D:response>`;
}

/** A whole multistatus body. */
export function multistatus(responses: string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${responses.join('')}</D:multistatus>`;
}

/** The lock token shown for a held lock. */
export async function tokenForHolder(
  spaceId: string,
  itemId: string,
  holder: LockSummary['holder'],
): Promise<string | undefined> {
  return holder ? lockTokenOf(spaceId, itemId, holder.token) : undefined;
}

export { clark };
