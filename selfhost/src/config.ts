import { join } from 'node:path';

/**
 * The self-hosted server's settings, all from the environment (docs/self-hosting.md). What the
 * Worker itself reads is handed to it as variables (worker/src/config.ts), under its own names.
 */
export interface HostConfig {
  /** Address and port the server listens on. */
  host: string;
  port: number;
  /** The volume: Durable Objects, R2 and the data-version marker live under it. */
  dataDir: string;
  /** Where the image keeps the built Worker (`worker/`) and the built app (`web/`). */
  appDir: string;
  /** How long a stop waits for requests in flight before closing what is left. */
  shutdownGraceMs: number;
  /** Variables the Worker reads (PUBLIC_ORIGIN, COOKIE_SECURE, size limits). */
  workerVars: Record<string, string>;
}

/** A setting that cannot be used; the message names the variable and what it needs. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variable → the Worker variable it sets. */
const WORKER_VARS = {
  BATON_PUBLIC_ORIGIN: 'PUBLIC_ORIGIN',
  BATON_COOKIE_SECURE: 'COOKIE_SECURE',
  BATON_MAX_PUSH_BYTES: 'MAX_PUSH_BYTES',
  BATON_MAX_FILE_BYTES: 'MAX_FILE_BYTES',
  BATON_SPACE_QUOTA_BYTES: 'SPACE_QUOTA_BYTES',
} as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; it is "${raw}".`);
  }
  return value;
}

function checkWorkerVar(name: string, value: string): void {
  if (name === 'BATON_PUBLIC_ORIGIN') {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.origin !== value.replace(/\/$/, '')
    ) {
      throw new ConfigError(
        `${name} must be an origin such as https://baton.example.org (scheme, host and port only); it is "${value}".`,
      );
    }
  } else if (name === 'BATON_COOKIE_SECURE') {
    if (value !== 'true' && value !== 'false') {
      throw new ConfigError(`${name} must be "true" or "false"; it is "${value}".`);
    }
  } else if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`${name} must be a number of bytes greater than 0; it is "${value}".`);
  }
}

/** Reads and checks the settings; throws a ConfigError naming the first bad one. */
export function readConfig(env: NodeJS.ProcessEnv, defaultAppDir: string): HostConfig {
  const workerVars: Record<string, string> = {};
  for (const [name, workerName] of Object.entries(WORKER_VARS)) {
    const value = env[name]?.trim();
    if (!value) continue;
    checkWorkerVar(name, value);
    workerVars[workerName] = value.replace(/\/$/, '');
  }
  return {
    host: env.BATON_HOST?.trim() || '0.0.0.0',
    port: integer(env, 'PORT', 8787, 1, 65535),
    dataDir: env.BATON_DATA_DIR?.trim() || '/data',
    appDir: env.BATON_APP_DIR?.trim() || defaultAppDir,
    shutdownGraceMs: integer(env, 'BATON_SHUTDOWN_GRACE_S', 8, 0, 3600) * 1000,
    workerVars,
  };
}

/** Where Miniflare keeps Durable Objects and R2 under the volume. */
export function statePath(config: HostConfig): string {
  return join(config.dataDir, 'state');
}
