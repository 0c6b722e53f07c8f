import type { Context } from 'hono';
import { uniqueNames } from '#shared/sync/folders';
import type { Role } from '#shared/accounts/roles';
import { roleAtLeast } from '#shared/accounts/roles';
import { scopedAccess, type AppPasswordVariables } from '../auth/app-password';
import { spaceStub, userRecord } from '../objects/stubs';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';

export type DavEnv = { Bindings: Env; Variables: AppPasswordVariables };
export type DavContext = Context<DavEnv>;

/** Where WebDAV lives. */
export const DAV_PREFIX = '/dav';

/**
 * The path segments below `/dav/`, decoded and NFC-normalised. Refused before anything is
 * resolved: `.` and `..` segments (also percent-encoded), encoded `/` or `\`, NUL, bad escapes.
 */
export function segmentsOf(pathname: string): string[] {
  if (!pathname.startsWith(DAV_PREFIX)) throw new ApiError('NOT_FOUND', 'Not a WebDAV path.');
  const rest = pathname.slice(DAV_PREFIX.length);
  if (rest !== '' && !rest.startsWith('/')) throw new ApiError('NOT_FOUND', 'Not a WebDAV path.');
  if (/%2f|%5c|%00/i.test(rest))
    throw new ApiError('BAD_REQUEST', 'Encoded slashes are not allowed in paths.');
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw).normalize('NFC');
    } catch {
      throw new ApiError('BAD_REQUEST', 'The path has a malformed percent-escape.');
    }
    if (segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('/'))
      throw new ApiError('BAD_REQUEST', 'Paths may not contain . or .. segments.');
    out.push(segment);
  }
  return out;
}

/** The href of a path below `/dav/` (collections end in `/`). */
export function hrefOf(segments: readonly string[], collection: boolean): string {
  const path = segments.map((s) => encodeURIComponent(s)).join('/');
  return `${DAV_PREFIX}/${path}${collection && path !== '' ? '/' : ''}`;
}

/** A space the principal may open over WebDAV, under its shown (unique) name. */
export interface DavSpace {
  spaceId: string;
  name: string;
}

/** The principal's spaces by shown name (two spaces of one name both stay reachable). */
export async function spacesOf(c: DavContext): Promise<DavSpace[]> {
  const { principal } = c.var;
  const all = await userRecord(c.env, principal.userId).listMemberships();
  const mine = all.filter((s) => principal.scope.spaceId === null || s.spaceId === principal.scope.spaceId);
  const names = uniqueNames(
    mine.map((s) => ({
      id: s.spaceId,
      name: s.name.replaceAll(/[/\\]/g, '_'),
      order: String(s.createdAt).padStart(16, '0'),
    })),
  );
  return mine.map((s) => ({ spaceId: s.spaceId, name: names.get(s.spaceId) ?? s.name }));
}

/** One opened space: its id, shown name and the caller's effective role; its tree is read through `stub`. */
export interface OpenSpace extends DavSpace {
  role: Role;
  stub: ReturnType<typeof spaceStub>;
}

/**
 * Opens the space named by the first segment, asking the space for the caller's role (capped
 * by the app password's scope) on every request. Not a member, or outside the scope: 404.
 */
export async function openSpace(c: DavContext, name: string): Promise<OpenSpace> {
  const spaces = await spacesOf(c);
  const wanted = name.normalize('NFC');
  const found = spaces.find((s) => s.name.normalize('NFC') === wanted);
  const access = found ? await scopedAccess(c.env, c.var.principal, found.spaceId) : null;
  if (!found || !access) throw new ApiError('NOT_FOUND', 'No such space, or you are not a member of it.');
  return { ...found, role: access.role, stub: spaceStub(c.env, found.spaceId) };
}

/** Refuses the request unless the caller's role in the space allows `minRole`. */
export function needRole(space: OpenSpace, minRole: Role): void {
  if (!roleAtLeast(space.role, minRole)) {
    throw new ApiError(
      'FORBIDDEN',
      space.role === 'viewer'
        ? 'You can only read this space (viewer role or a read-only app password).'
        : `This needs the ${minRole} role.`,
    );
  }
}
