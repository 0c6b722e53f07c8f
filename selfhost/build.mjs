// Builds what the container image runs into one folder (default selfhost/dist): the Worker
// bundle (wrangler's own bundler), the built app, worker.json (the bindings of wrangler.toml,
// read by wrangler) and the server (esbuild). Needs `npm ci` and a web build first.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const root = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'selfhost/dist'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const bundle = spawnSync(
  join(root, 'node_modules/.bin/wrangler'),
  ['deploy', '--dry-run', '--outdir', join(out, 'worker')],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'warn' },
  },
);
if (bundle.error) console.error(`selfhost: could not run wrangler: ${bundle.error.message}`);
if (bundle.status !== 0) process.exit(bundle.status ?? 1);
rmSync(join(out, 'worker', 'README.md'), { force: true });

const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
const { directory: _directory, ...assets } = workerOptions.assets ?? {};
const manifest = {
  compatibilityDate: workerOptions.compatibilityDate,
  compatibilityFlags: workerOptions.compatibilityFlags,
  durableObjects: workerOptions.durableObjects,
  r2Buckets: workerOptions.r2Buckets,
  bindings: workerOptions.bindings,
  assets,
};
writeFileSync(join(out, 'worker.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(root, 'web/dist'), join(out, 'web'), { recursive: true });
cpSync(join(root, 'selfhost/healthcheck.mjs'), join(out, 'healthcheck.mjs'));

await build({
  entryPoints: [join(root, 'selfhost/src/main.ts')],
  outfile: join(out, 'server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['miniflare'],
  logLevel: 'warning',
});
console.log(`selfhost: built ${out}`);
