import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';

function recorder(failOn?: number) {
  const commits: number[][] = [];
  let release: (() => void) | null = null;
  const group = new GroupCommit<number, string>(async (requests) => {
    commits.push([...requests]);
    if (commits.length === 1) await new Promise<void>((resolve) => (release = resolve));
    if (failOn !== undefined && requests.includes(failOn)) throw new Error(`refused ${failOn}`);
    return requests.map((n) => `done ${n}`);
  });
  return { commits, group, release: () => release?.() };
}

describe('group commit', () => {
  it('[S19] a lone request commits at once; requests made meanwhile share the next commit, in order', async () => {
    const { commits, group, release } = recorder();
    const first = group.submit(1);
    const rest = [2, 3, 4].map((n) => group.submit(n));
    expect(commits).toEqual([[1]]);
    release();
    expect(await first).toBe('done 1');
    expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4']);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('[S19] a request that fails refuses only itself; its neighbours still land in order', async () => {
    const { commits, group, release } = recorder(3);
    const all = [1, 2, 3, 4].map((n) => group.submit(n).catch((error: Error) => error.message));
    release();
    expect(await Promise.all(all)).toEqual(['done 1', 'done 2', 'refused 3', 'done 4']);
    expect(commits).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
