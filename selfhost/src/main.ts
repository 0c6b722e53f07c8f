import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_VERSION, PROTOCOL_VERSION } from '#shared/version';
import { ConfigError, readConfig, statePath } from './config';
import { checkDataVersion, DataTooNewError, writeDataVersion } from './data-version';
import { startFront } from './front';
import { startWorker } from './runtime';

/**
 * Baton on one machine: `node server.mjs` in the container (docs/self-hosting.md). Exits with 2
 * and one clear line on stderr when it must not start (bad setting, data from a newer release).
 */
function event(name: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event: name, ...fields })}\n`);
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const config = readConfig(process.env, here);
  const version = { app: APP_VERSION, protocol: PROTOCOL_VERSION };
  mkdirSync(statePath(config), { recursive: true });
  const previous = checkDataVersion(config.dataDir, version);
  const { miniflare, url } = await startWorker(config);
  writeDataVersion(config.dataDir, version);
  const front = startFront(url);
  await new Promise<void>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(config.port, config.host, resolve);
  });
  event('started', {
    version: APP_VERSION,
    port: config.port,
    data: config.dataDir,
    upgradedFrom: previous?.app,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    event('stopping', { signal });
    const { unfinished } = await front.drain(config.shutdownGraceMs);
    await miniflare.dispose();
    event('stopped', { unfinished });
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    // Miniflare's own exit hook kills workerd and exits at once on these signals, which would
    // cut requests in flight; the drain above ends with `dispose()` instead. Its `exit` hook
    // stays, so workerd never outlives this process.
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataTooNewError) {
    process.stderr.write(`baton: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `baton: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
