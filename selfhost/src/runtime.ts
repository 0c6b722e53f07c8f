import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4WorkerOptions } from 'miniflare';
import { statePath, type HostConfig } from './config';

/**
 * The Worker, run by Miniflare's Node API (the local runtime wrangler itself uses: workerd with
 * Durable Objects in SQLite and R2 on disk), with its state on the volume. The bindings come from
 * wrangler.toml through `worker.json`, written when the image is built (selfhost/build.mjs), so
 * this file never restates them.
 */
export interface WorkerManifest {
  compatibilityDate: string;
  compatibilityFlags?: string[];
  durableObjects: V4WorkerOptions['durableObjects'];
  r2Buckets: V4WorkerOptions['r2Buckets'];
  /** The `[vars]` of wrangler.toml. */
  bindings?: Record<string, string>;
  assets: NonNullable<V4WorkerOptions['assets']>;
}

export function readManifest(appDir: string): WorkerManifest {
  return JSON.parse(readFileSync(join(appDir, 'worker.json'), 'utf8')) as WorkerManifest;
}

/** Starts workerd on a loopback port and answers it with its URL. */
export async function startWorker(config: HostConfig): Promise<{ miniflare: Miniflare; url: URL }> {
  const manifest = readManifest(config.appDir);
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: 0,
      log: new Log(LogLevel.WARN),
      cf: false, // no outbound lookup for the `Request.cf` object: the container may have no internet
      telemetry: { enabled: false },
      unsafeLocalExplorer: false,
      unsafeObservability: false,
      resourcePersistencePath: statePath(config),
      modules: true,
      scriptPath: join(config.appDir, 'worker', 'index.js'),
      compatibilityDate: manifest.compatibilityDate,
      compatibilityFlags: manifest.compatibilityFlags ?? [],
      durableObjects: manifest.durableObjects,
      r2Buckets: manifest.r2Buckets,
      assets: { ...manifest.assets, directory: join(config.appDir, 'web') },
      // The front sets the client's address (front.ts), so the Worker may trust it.
      bindings: { ...manifest.bindings, CLIENT_IP_SOURCE: 'cf-connecting-ip', ...config.workerVars },
    }),
  );
  const url = await miniflare.ready;
  return { miniflare, url };
}
