// `npm start`: builds the app and runs the whole product on this machine with wrangler: the
// PWA as static assets, the API under /api, Durable Objects and R2 on local disk in .wrangler/state.
import { spawn, spawnSync } from 'node:child_process';

const port = process.env.PORT ?? '8787';
const build = spawnSync('vite', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`\n  Baton is starting at http://localhost:${port}  (state in .wrangler/state; Ctrl-C stops)\n`);
const child = spawn(
  'wrangler',
  [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    port,
    '--persist-to',
    '.wrangler/state',
    '--show-interactive-dev-session=false',
  ],
  {
    stdio: 'inherit',
    env: {
      WRANGLER_SEND_METRICS: 'false',
      X_LOCAL_OBSERVABILITY: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      ...process.env,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
