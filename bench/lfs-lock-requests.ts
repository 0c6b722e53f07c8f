/**
 * For `bench:lfs`: one Git LFS lock request and one unlock request sent directly over one
 * keep-alive connection (no git process), so the figure is what the server and wrangler dev's
 * proxy add. Medians after a few warm-up cycles.
 */
import { median, timed } from './measure';

const LFS_JSON = 'application/vnd.git-lfs+json';

export async function lockRequestTimes(
  lfsBase: string,
  auth: { username: string; password: string },
  cycles: number,
): Promise<{ lock: number; unlock: number }> {
  const headers = {
    authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
    accept: LFS_JSON,
    'content-type': `${LFS_JSON}; charset=utf-8`,
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${lfsBase}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as { lock?: { id: string } };
  };
  const lock: number[] = [];
  const unlock: number[] = [];
  for (let i = 0; i < cycles + 3; i++) {
    let id = '';
    const locking = await timed(async () => {
      id = (await post('/locks', { path: 'art/direct.psd' })).lock?.id ?? '';
    });
    const unlocking = await timed(() => post(`/locks/${encodeURIComponent(id)}/unlock`, { force: false }));
    if (i < 3) continue; // the first cycles warm the objects
    lock.push(locking);
    unlock.push(unlocking);
  }
  return { lock: median(lock), unlock: median(unlock) };
}
