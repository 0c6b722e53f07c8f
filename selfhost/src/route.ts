/**
 * The route a request path belongs to, for the request log: ids, tokens and lock names are
 * replaced by parameter names, so the log groups requests by route and never holds a share
 * link's token or a file's name (`/api/join/abc…` → `/api/join/:token`).
 */

/** The literal words of the API's paths (worker/src/routes/). */
const WORDS = new Set([
  'api',
  'auth',
  'me',
  'passkey',
  'login',
  'register',
  'options',
  'verify',
  'sessions',
  'sign-in',
  'sign-out',
  'sign-up',
  'health',
  'join',
  'spaces',
  'leave',
  'links',
  'locks',
  'locks-history',
  'acquire',
  'break',
  'cancel',
  'history',
  'release',
  'renew',
  'socket',
  'members',
  'sync',
  'pull',
  'push',
  'blobs',
  'has',
  'uploads',
  'complete',
  'parts',
  'usage',
]);

/** The parameter that follows a collection word. */
const PARAMS: Record<string, string> = {
  spaces: ':spaceId',
  sessions: ':sessionId',
  join: ':token',
  links: ':linkId',
  locks: ':name',
  members: ':userId',
  blobs: ':sha256',
  uploads: ':uploadId',
  parts: ':partNumber',
};

/** After `blobs`, these are words, not a hash. */
const BLOB_WORDS = new Set(['has', 'usage', 'uploads']);

/** The route template of a request URL (`/api/spaces/:spaceId/sync/push`). */
export function routeOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'api') {
    // The app's files and other fronts: the first segment is enough to group them.
    if (segments.length <= 1) return `/${segments[0] ?? ''}`;
    return `/${segments[0]}/*`;
  }
  const out: string[] = [];
  for (const segment of segments) {
    const previous = out.at(-1) ?? '';
    const param = PARAMS[previous];
    if (param && !(previous === 'blobs' && BLOB_WORDS.has(segment))) out.push(param);
    else out.push(WORDS.has(segment) ? segment : ':param');
  }
  return `/${out.join('/')}`;
}
