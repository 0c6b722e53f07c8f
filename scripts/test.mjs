// `npm test`: every suite, in one vitest run (unit, Worker in workerd, integration and
// end-to-end against a real local server in Debian's Chromium, the container image with
// Podman). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { ensureDebianPackage } from './ensure-debian.mjs';

for (const pkg of ['chromium', 'git', 'git-lfs', 'litmus', 'rclone']) ensureDebianPackage(pkg);
// The container tests (tests/container) build and run the image with Podman.
for (const pkg of ['podman', 'runc', 'debootstrap']) ensureDebianPackage(pkg);
const build = spawnSync('vite', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (build.error) console.error(`baton: could not run vite: ${build.error.message}`);
if (build.status !== 0) process.exit(build.status ?? 1);
const result = spawnSync('vitest', ['run', ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) console.error(`baton: could not run vitest: ${result.error.message}`);
process.exit(result.status ?? 1);
