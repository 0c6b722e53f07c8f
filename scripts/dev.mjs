// `npm run dev`: the hot-reloading loop. wrangler dev reloads the Worker on change; Vite serves the
// app with hot module replacement on :5173 and proxies /api (and the WebSocket) to the Worker.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const workerPort = process.env.WORKER_PORT ?? '8787';
if (!existsSync('web/dist/index.html')) {
  // wrangler needs the assets folder to exist; Vite serves the live app.
  spawnSync('vite', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
}
const env = {
  WRANGLER_SEND_METRICS: 'false',
  X_LOCAL_OBSERVABILITY: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  BATON_WORKER_ORIGIN: `http://127.0.0.1:${workerPort}`,
  ...process.env,
};
const children = [
  spawn(
    'wrangler',
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      workerPort,
      '--persist-to',
      '.wrangler/state',
      '--show-interactive-dev-session=false',
    ],
    { stdio: 'inherit', env },
  ),
  spawn('vite', ['--config', 'web/vite.config.ts', '--host', 'localhost'], { stdio: 'inherit', env }),
];
console.log('\n  Baton dev: open http://localhost:5173  (API on :' + workerPort + ')\n');
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, stop);
for (const child of children)
  child.on('exit', (code) => {
    stop();
    process.exit(code ?? 0);
  });
