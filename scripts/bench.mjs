// `npm run bench:<name>`: installs what the benchmark needs from Debian, then runs bench/<name>.ts.
import { spawnSync } from 'node:child_process';
import { ensureDebianPackages } from './ensure-debian.mjs';

const NEEDS = {
  locks: ['redis-server'],
  sync: ['chromium'],
  blobs: [],
  web: ['chromium'],
  lfs: ['git', 'git-lfs'],
  dav: ['rclone'],
  image: ['podman', 'runc', 'debootstrap'],
  history: [],
};

const name = process.argv[2] ?? '';
if (!Object.hasOwn(NEEDS, name)) {
  console.error(`Unknown benchmark "${name}". Choose one of: ${Object.keys(NEEDS).join(', ')}.`);
  process.exit(2);
}
ensureDebianPackages(NEEDS[name]);
const result = spawnSync('tsx', [`bench/${name}.ts`], { stdio: 'inherit' });
process.exit(result.status ?? 1);
