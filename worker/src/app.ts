import { Hono } from 'hono';
import type { AppEnv } from './env';
import { apiNotFound, onError } from './http/on-error';
import { securityHeaders } from './http/security-headers';
import { logServerErrors } from './http/server-error-log';
import { healthRoutes } from './routes/health';
import { checkOrigin } from './auth/origin';
import { accountRoutes } from './routes/accounts';
import { appPasswordRoutes } from './routes/app-passwords';
import { spaceRoutes } from './routes/spaces';
import { blobRoutes } from './routes/blobs';
import { lockRoutes } from './routes/locks';
import { noticeRoutes } from './routes/notices';
import { socketRoutes } from './routes/socket';
import { syncRoutes } from './routes/sync';
import { historyRoutes } from './routes/history';
import { davRoutes } from './dav/routes';
import { davVersionRoutes } from './dav/versions';
import { lfsApiRoutes, lfsRoutes } from './routes/lfs';

const api = new Hono<AppEnv>();
api.use('*', checkOrigin);
api.route('/', healthRoutes);
api.route('/', accountRoutes);
api.route('/', appPasswordRoutes);
api.route('/', spaceRoutes);
api.route('/', blobRoutes);
api.route('/', lockRoutes);
api.route('/', noticeRoutes);
api.route('/', socketRoutes);
api.route('/', syncRoutes);
api.route('/', historyRoutes);
api.route('/', lfsApiRoutes);
api.all('*', apiNotFound);

/** The Worker: the API under `/api`, everything else is the PWA from static assets. */
export const app = new Hono<AppEnv>();
app.use('*', logServerErrors);
app.use('*', securityHeaders);
app.route('/api', api);
// WebDAV for desktop programs, with app passwords (docs/webdav.md).
app.route('/dav', davRoutes);
// Every version of a file or note, read-only, beside /dav/ (docs/webdav.md, V19).
app.route('/dav-versions', davVersionRoutes);
// Git LFS clients (docs/git-lfs.md): app passwords, no cookies, so outside the API's Origin rule.
app.route('/lfs', lfsRoutes);
// Static assets, with the SPA fallback to index.html configured in wrangler.toml.
app.all('*', (c) => c.env.ASSETS.fetch(c.req.raw));
app.onError(onError);
