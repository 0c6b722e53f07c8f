/** A space's storage: verified blobs plus bytes reserved by uploads in flight. Pure, shared so that the browser refuses before sending a byte (B7, B8). */
export interface SpaceUsage {
  usedBytes: number;
  reservedBytes: number;
  quotaBytes: number;
}

/** Why an upload of a given size cannot start. */
export type QuotaVerdict =
  { ok: true } | { ok: false; code: 'FILE_TOO_LARGE' | 'QUOTA_EXCEEDED'; message: string };

/**
 * Whether a new upload of `size` bytes fits (B7, B8). Uploads in flight count against the quota
 * from the moment they start, so parallel uploads cannot together overshoot it.
 */
export function checkQuota(usage: SpaceUsage, size: number, maxFileBytes: number): QuotaVerdict {
  if (size > maxFileBytes) {
    return {
      ok: false,
      code: 'FILE_TOO_LARGE',
      message: `The file is ${formatBytes(size)}; a space accepts files up to ${formatBytes(maxFileBytes)}.`,
    };
  }
  const free = usage.quotaBytes - usage.usedBytes - usage.reservedBytes;
  if (size > free) {
    return {
      ok: false,
      code: 'QUOTA_EXCEEDED',
      message: `The file is ${formatBytes(size)} but the space has only ${formatBytes(Math.max(0, free))} of its ${formatBytes(usage.quotaBytes)} left.`,
    };
  }
  return { ok: true };
}

/**
 * A byte count for people: `1.5 MB`, `12 GB`. Decimal SI units (1 kB = 1000 bytes), as file
 * managers and disk makers count them; the one byte formatter of the browser and the Worker.
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0);
  return `${shown} ${units[unit]}`;
}
