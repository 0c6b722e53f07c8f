import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `web/` unless `web/dist` is newer than every source file the app is built from. */
export function ensureWebBuilt(): void {
  const built = join(ROOT, 'web/dist/index.html');
  const sources = Math.max(
    newestMtime(join(ROOT, 'web/src')),
    newestMtime(join(ROOT, 'web/public')),
    newestMtime(join(ROOT, 'shared/src')),
    statSync(join(ROOT, 'web/vite.config.ts')).mtimeMs,
    statSync(join(ROOT, 'web/index.html')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync(
    join(ROOT, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      // Vitest sets NODE_ENV=test, which would make Vite build the app in development mode.
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
}
