import type { UploadProgress } from './uploader';
import { formatBytes } from '#shared/blobs/quota';

/** What the speed of an upload is computed from: its progress and when its first byte went out. */
export interface SpeedSource {
  progress: UploadProgress;
  /** When the first byte went out and how many bytes the server already had then. */
  sendingSince: { at: number; loaded: number } | null;
}

/** "2.4 MB/s · 8 s left" once bytes are moving; empty before the first byte and after the last. */
export function speedOf(entry: SpeedSource, now: number): string {
  const since = entry.sendingSince;
  const { loaded, total, phase } = entry.progress;
  if (!since || phase !== 'uploading' || now - since.at < 250 || loaded <= since.loaded) return '';
  const perSecond = ((loaded - since.loaded) * 1000) / (now - since.at);
  const secondsLeft = Math.ceil((total - loaded) / perSecond);
  const left = secondsLeft >= 120 ? `${Math.round(secondsLeft / 60)} min left` : `${secondsLeft} s left`;
  return `${formatBytes(Math.round(perSecond))}/s · ${left}`;
}
