import { folderLockName, folderLocksOver } from '#shared/locks/folders';
import type { Fence } from './fence';

/** One held folder check-out, as the fence knows it (L11). */
export interface HeldFolderLock {
  name: string;
  token: number;
  holderUserId: string | null;
  /** The holder's username, as the lock last reported it. */
  holderName: string | null;
}

/** The folder check-outs held around one folder (L21). */
export interface FolderLocksAround {
  /** On the folder itself and on every folder above it: each guards what is written in the folder. */
  over: HeldFolderLock[];
  /** On folders inside it: each guards what a move or delete of the whole folder would touch. */
  under: HeldFolderLock[];
}

/** Folder check-outs held over and under `folder`, read from the fence: one lookup per level, one range below. */
export function folderLocksAround(sql: SqlStorage, fence: Fence, folder: string): FolderLocksAround {
  const held = (names: string[]): HeldFolderLock[] =>
    names.flatMap((name) => {
      const state = fence.current(name);
      if (!state?.held) return [];
      const holderName =
        sql
          .exec<{ username: string | null }>(
            "SELECT json_extract(summary, '$.holder.username') AS username FROM lock_fence WHERE name = ?",
            name,
          )
          .toArray()[0]?.username ?? null;
      return [{ name, token: state.token, holderUserId: state.holderUserId, holderName }];
    });
  const prefix = folder === '' ? '' : folderLockName(folder);
  const inside = sql
    .exec<{ name: string }>(
      `SELECT name FROM lock_fence WHERE substr(name, 1, length(?)) = ? AND name != ? AND substr(name, -1) = '/'`,
      prefix,
      prefix,
      prefix,
    )
    .toArray()
    .map((row) => row.name);
  return { over: held(folderLocksOver(folder)), under: held(inside) };
}
