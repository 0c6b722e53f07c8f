import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The volume remembers which release last opened it (`/data/baton-version.json`), so that an
 * older image started on it — a rollback — stops before touching anything instead of running
 * code that does not know the newer schema (docs/self-hosting.md, H6). Each Durable Object also
 * refuses a schema newer than its code (worker/src/storage/migrate.ts): the marker is the clear
 * message at start, the objects are the guarantee.
 */
export const MARKER_FILE = 'baton-version.json';

export interface DataVersion {
  app: string;
  protocol: number;
}

/** The data was written by a newer release than this one. */
export class DataTooNewError extends Error {
  override name = 'DataTooNewError';
}

/** Compares two `x.y.z` versions: negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 3)
      .map((n) => Number.parseInt(n, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Reads the marker, if the volume has one. */
export function readDataVersion(dataDir: string): DataVersion | undefined {
  const path = join(dataDir, MARKER_FILE);
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as DataVersion).app !== 'string') {
    throw new Error(`${path} is not a Baton data-version file; move it away if it is not Baton's.`);
  }
  return parsed as DataVersion;
}

/** Throws a DataTooNewError when the volume was last opened by a newer release than `current`. */
export function checkDataVersion(dataDir: string, current: DataVersion): DataVersion | undefined {
  const stored = readDataVersion(dataDir);
  if (stored && compareVersions(stored.app, current.app) > 0) {
    throw new DataTooNewError(
      `The data in ${dataDir} was written by Baton ${stored.app}, and this is Baton ${current.app}. ` +
        `An older version cannot safely open data a newer one has upgraded. Start Baton ${stored.app} ` +
        `or newer on this volume, or restore a backup of ${dataDir} taken before the upgrade.`,
    );
  }
  return stored;
}

/** Records `current` as the release that opened the volume (atomically: write, then rename). */
export function writeDataVersion(dataDir: string, current: DataVersion): void {
  const path = join(dataDir, MARKER_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(current)}\n`);
  renameSync(`${path}.tmp`, path);
}
