// Makes sure Debian's Chromium is there for the browser tests: installs it with apt when this
// is root on Debian, otherwise stops with the exact command that installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(`baton: Chromium is missing at ${CHROMIUM_PATH}. Install it with:\n  ${INSTALL}`);
    process.exit(1);
  }
  console.error('baton: installing Debian chromium for the browser tests (one time)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(`baton: apt installed chromium but ${CHROMIUM_PATH} is still missing.`);
    process.exit(1);
  }
}
