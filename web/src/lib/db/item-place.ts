import type { DBCore, DBCoreMutateRequest, Middleware } from 'dexie';
import { folderOf, FOLDER_FIELD } from '#shared/sync/folders';
import { isDeleted } from '#shared/sync/item-state';
import type { LocalItem } from './tables';

// Where the space view lists an item, stored on the row so that indexes can answer a folder, the
// trash or a kind in pages, newest first, without reading the whole space (S27). It is derived
// from the item on every write, whoever writes (an edit, a pull, an import), by the middleware
// below, so the write paths stay as they are.

/** The place of a live item in `folder` (`''` for the top of the space). */
export function livePlace(folder: string): string {
  return `live:${folder}`;
}

/** Every live place sorts between these two. */
export const LIVE_PLACES = { from: 'live:', to: 'live:\uffff' } as const;
export const TRASH_PLACE = 'trash';
/** Conflict copies are listed on the conflicts screen only (S6). */
export const CONFLICT_PLACE = 'conflict';

/** The place an item row is listed in. */
export function placeOf(row: LocalItem): string {
  if (row.conflictOf !== undefined || row.conflict !== undefined) return CONFLICT_PLACE;
  if (isDeleted(row)) return TRASH_PLACE;
  return livePlace(folderOf(row.fields[FOLDER_FIELD]?.v));
}

/**
 * How many item rows the largest single read returned (a getAll or a bulk get) since the page
 * loaded: the end-to-end test of big spaces reads it to see that no screen loaded the space whole.
 */
export const itemReads = { largest: 0 };
(globalThis as { batonItemReads?: typeof itemReads }).batonItemReads = itemReads;

function noteRead(count: number): void {
  if (count > itemReads.largest) itemReads.largest = count;
}

function withPlaces(req: DBCoreMutateRequest): DBCoreMutateRequest {
  if (req.type !== 'add' && req.type !== 'put') return req;
  const values = req.values.map((row: LocalItem) => ({ ...row, place: placeOf(row) }));
  return { ...req, values };
}

/** Sets `place` on every item row written, and counts the rows each read returns. */
export const placeMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'ItemPlace',
  create(down) {
    return {
      ...down,
      table(name) {
        const table = down.table(name);
        if (name !== 'items') return table;
        return {
          ...table,
          mutate: (req) => table.mutate(withPlaces(req)),
          query: async (req) => {
            const res = await table.query(req);
            noteRead(res.result.length);
            return res;
          },
          getMany: async (req) => {
            const rows: unknown[] = await table.getMany(req);
            noteRead(rows.length);
            return rows;
          },
        };
      },
    };
  },
};
