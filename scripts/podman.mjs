// Podman as this project runs it (../shared facts in docs/self-hosting.md#building-with-podman):
// runc with cgroupfs and no default ulimits, set by a containers.conf of our own, so that no
// machine-wide setting needs to change.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const confDir = join(root, '.tools/podman');
const confPath = join(confDir, 'containers.conf');

const CONF = `# Written by scripts/podman.mjs.
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
`;

/** The environment podman runs with. */
export function podmanEnv() {
  mkdirSync(confDir, { recursive: true });
  writeFileSync(confPath, CONF);
  return { ...process.env, CONTAINERS_CONF: confPath };
}

/** Runs podman to the end; answers { status, stdout, stderr }. */
export function podmanSync(args, options = {}) {
  const result = spawnSync('podman', args, { env: podmanEnv(), encoding: 'utf8', ...options });
  if (result.error) throw new Error(`podman could not be started: ${result.error.message}`);
  return result;
}

/** Runs podman with its output shown; throws if it fails. */
export function podmanRun(args) {
  const result = podmanSync(args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`podman ${args[0]} failed (exit ${result.status}).`);
}

/** Starts podman in the background (for `podman run` without --detach, `podman logs -f`). */
export function podmanSpawn(args, options = {}) {
  return spawn('podman', args, { env: podmanEnv(), ...options });
}
