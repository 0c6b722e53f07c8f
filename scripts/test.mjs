// `npm test`: every suite, in one vitest run (unit, Worker in workerd, integration and
// end-to-end against a real local server in Debian's Chromium, the container image with
// Podman). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { ensureDebianPackages } from './ensure-debian.mjs';

// Chromium and the real protocol clients; Podman for the container tests (tests/container).
// What is missing is installed in one apt run.
ensureDebianPackages(['chromium', 'git', 'git-lfs', 'litmus', 'rclone', 'podman', 'runc', 'debootstrap']);
const build = spawnSync('vite', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
if (build.error) console.error(`baton: could not run vite: ${build.error.message}`);
if (build.status !== 0) process.exit(build.status ?? 1);
const result = spawnSync('vitest', ['run', ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) console.error(`baton: could not run vitest: ${result.error.message}`);
process.exit(result.status ?? 1);
