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
  ensureDebianPackages([pkg]);
}

/**
 * Makes sure these Debian packages are installed. What is missing is installed together, after
 * one `apt-get update`: on a fresh machine each update alone reads every package list again.
 */
export function ensureDebianPackages(pkgs) {
  const missing = pkgs.filter((pkg) => !existsSync(DEBIAN_PROGRAMS[pkg]));
  if (missing.length === 0) return;
  const install = `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    for (const pkg of missing) console.error(`baton: ${DEBIAN_PROGRAMS[pkg]} is missing.`);
    console.error(`baton: install ${missing.length === 1 ? 'it' : 'them'} with:\n  ${install}`);
    process.exit(1);
  }
  console.error(`baton: installing Debian ${missing.join(', ')} (one time)…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  for (const pkg of missing) {
    if (!existsSync(DEBIAN_PROGRAMS[pkg])) {
      console.error(`baton: apt installed ${pkg} but ${DEBIAN_PROGRAMS[pkg]} is still missing.`);
      process.exit(1);
    }
  }
}
