// Makes sure a program from Debian is installed (Chromium for the browser tests and benchmarks,
// redis-server for the lock benchmark, git and git-lfs for the Git LFS tests): installs it with apt when this is root on Debian,
// otherwise stops with the exact command that installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian packages the project uses, and the program each provides. */
export const DEBIAN_PROGRAMS = {
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  'redis-server': '/usr/bin/redis-server',
  // The real Git LFS client for tests/integration/git-lfs.test.ts and bench/lfs.ts.
  git: '/usr/bin/git',
  'git-lfs': '/usr/bin/git-lfs',
  // WebDAV conformance and client tests (tests/integration/webdav*.test.ts).
  litmus: '/usr/bin/litmus',
  rclone: '/usr/bin/rclone',
  // The container image (npm run image, tests/container).
  podman: '/usr/bin/podman',
  runc: '/usr/sbin/runc',
  debootstrap: '/usr/sbin/debootstrap',
};

export function ensureDebianPackage(pkg) {
  const program = DEBIAN_PROGRAMS[pkg];
  if (existsSync(program)) return;
  const install = `sudo apt-get update && sudo apt-get install -y ${pkg}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(`baton: ${program} is missing. Install it with:\n  ${install}`);
    process.exit(1);
  }
  console.error(`baton: installing Debian ${pkg} (one time)…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(program)) {
    console.error(`baton: apt installed ${pkg} but ${program} is still missing.`);
    process.exit(1);
  }
}
