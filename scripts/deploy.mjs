// `npm run deploy`: builds the app and deploys the Worker, its Durable Objects and assets to
// Cloudflare with `wrangler deploy` (needs `wrangler login` and an R2 bucket named baton-blobs).
import { spawnSync } from 'node:child_process';

const build = spawnSync('vite', ['build', '--config', 'web/vite.config.ts'], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (build.status !== 0) process.exit(build.status ?? 1);
// Behind Cloudflare's edge CF-Connecting-IP is set by the platform, so the throttles may trust it
// (docs/spec/accounts.md A12); wrangler.toml's local default trusts no header.
const result = spawnSync('wrangler', ['deploy', '--var', 'CLIENT_IP_SOURCE:cf-connecting-ip'], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
