/** Time left as `m:ss` (or `h:mm:ss`), never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** What is left of a grant: its countdown, or `until released` for a checkout (no expiry, L19). */
export function formatTimeLeft(expiresAt: number | null, now: number): string {
  return expiresAt === null ? 'until released' : formatCountdown(expiresAt - now);
}

/** What people read after a holder's name for the front that took the lock (L20): `' · Git LFS'`, `' · WebDAV'`, or nothing for the app. */
export function formatVia(via: 'app' | 'webdav' | 'git-lfs' | null | undefined): string {
  return via === 'git-lfs' ? ' · Git LFS' : via === 'webdav' ? ' · WebDAV' : '';
}

/** A past moment relative to `now`: `just now`, `5 min ago`, `3 h ago`, or the date. */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(at).toLocaleDateString();
}
