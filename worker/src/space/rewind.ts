import { itemLabel } from '#shared/history/restore';
import {
  inFolder,
  REWIND_LIST_MAX,
  rewindItem,
  type RewindEntry,
  type RewindRequest,
  type RewindResponse,
} from '#shared/history/rewind';
import { folderOf } from '#shared/sync/folders';
import type { JsonValue } from '#shared/sync/item';
import type { RestoreDeps } from './history-restore';
import type { ServerEdit } from './server-edit';
import { PackedTexts, type PackedRow } from './version-packing';

/** What a rewind needs besides the restore's own: the space's SQLite and how far back history goes. */
export interface RewindDeps extends Omit<RestoreDeps, 'history'> {
  sql: SqlStorage;
  /** The oldest moment the retained history can rewind to (ms). */
  oldest: number;
  now: number;
}

/** Edits per push while applying, so no batch grows past the push limits (S2). */
const EDITS_PER_BATCH = 500;
/** Items read per query. */
const ITEMS_PER_READ = 500;

function chunked<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < list.length; at += size) out.push(list.slice(at, at + size));
  return out;
}

/** Each field's value at `at`, per item, for the items in `ids` (V16). */
function valuesAt(sql: SqlStorage, ids: string[], at: number): Map<string, Map<string, JsonValue>> {
  const out = new Map<string, Map<string, JsonValue>>();
  const texts = new PackedTexts(sql);
  for (const row of sql
    .exec<PackedRow>(
      `SELECT f.item_id, f.field, f.stamp, f.value, f.next, f.delta FROM field_versions f
     WHERE f.item_id IN (SELECT value FROM json_each(?1)) AND f.at <= ?2 AND f.stamp = (
       SELECT MAX(g.stamp) FROM field_versions g
       WHERE g.item_id = f.item_id AND g.field = f.field AND g.at <= ?2
         AND NOT EXISTS (SELECT 1 FROM field_versions m
                         WHERE m.item_id = g.item_id AND m.field = g.field AND m.merged_from = g.stamp))`,
      JSON.stringify(ids),
      at,
    )
    .toArray()) {
    const fields = out.get(row.item_id) ?? new Map<string, JsonValue>();
    fields.set(row.field, texts.valueOf(row));
    out.set(row.item_id, fields);
  }
  return out;
}

function authorsSince(sql: SqlStorage, ids: string[], at: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const row of sql.exec<{ item_id: string; author: string }>(
    'SELECT DISTINCT item_id, author FROM field_versions WHERE item_id IN (SELECT value FROM json_each(?)) AND at > ?',
    JSON.stringify(ids),
    at,
  )) {
    const authors = out.get(row.item_id) ?? new Set<string>();
    authors.add(row.author);
    out.set(row.item_id, authors);
  }
  return out;
}

/** Why a rewind to `request.at` cannot be made (V16), or null. */
export function rewindProblem(
  deps: Pick<RewindDeps, 'now' | 'oldest'>,
  request: RewindRequest,
): string | null {
  if (request.at > deps.now) return 'That moment is still to come; pick one in the past.';
  if (request.at < deps.oldest) {
    const date = new Date(deps.oldest).toISOString().slice(0, 16).replace('T', ' ');
    return `This space's history goes back to ${date} UTC; pick a later moment.`;
  }
  return null;
}

/** The items changed since `at`, in id order after `after`, at most `limit` (-1: all). */
export function changedSince(sql: SqlStorage, at: number, after = '', limit = -1): string[] {
  return sql
    .exec<{ item_id: string }>(
      'SELECT DISTINCT item_id FROM field_versions WHERE at > ? AND item_id > ? ORDER BY item_id LIMIT ?',
      at,
      after,
      limit,
    )
    .toArray()
    .map((row) => row.item_id);
}

/**
 * What a rewind of items `ids` to moment `request.at` writes (V16): every item changed since goes
 * back to its value then (made since: deleted; deleted since: back); items someone else has
 * checked out are left alone and listed (V18). Applying the edits again changes nothing more.
 */
export function planRewind(
  deps: RewindDeps,
  request: RewindRequest,
  userId: string,
  ids: readonly string[],
): { answer: RewindResponse; edits: ServerEdit[] } {
  const answer: RewindResponse = {
    at: request.at,
    added: { count: 0, items: [] },
    removed: { count: 0, items: [] },
    changed: { count: 0, items: [] },
    skipped: [],
    applied: false,
  };
  const edits: ServerEdit[] = [];
  for (const part of chunked(ids, ITEMS_PER_READ)) {
    const then = valuesAt(deps.sql, part, request.at);
    const authors = authorsSince(deps.sql, part, request.at);
    for (const itemId of part) {
      const current = deps.item(itemId);
      if (!current) continue;
      const old = then.get(itemId) ?? new Map<string, JsonValue>();
      const where = folderOf(current.fields['folder']?.v);
      if (!inFolder(where, request.folder) && !inFolder(folderOf(old.get('folder')), request.folder))
        continue;
      const plan = rewindItem(current, old);
      if (!plan) continue;
      const title = itemLabel(current);
      const verdict = deps.fence(itemId, userId);
      if (!verdict.ok && verdict.reason === 'locked') {
        const holder = verdict.holderUserId ? deps.memberName(verdict.holderUserId) : 'Someone';
        answer.skipped.push({ itemId, title, holder });
        continue;
      }
      const changedBy = [...(authors.get(itemId) ?? [])].map((id) =>
        id === '' ? 'someone' : deps.memberName(id),
      );
      const list = answer[plan.kind];
      list.count += 1;
      if (list.items.length < REWIND_LIST_MAX)
        list.items.push({ itemId, title, changedBy } satisfies RewindEntry);
      edits.push({ itemId, kind: current.kind, values: plan.values });
    }
  }
  return { answer, edits };
}

/** Writes a rewind's edits as pushes of at most 500 (S2), through the front `restore` (V17). */
export async function applyRewind(
  deps: RewindDeps,
  edits: readonly ServerEdit[],
  userId: string,
): Promise<void> {
  for (const batch of chunked(edits, EDITS_PER_BATCH)) await deps.edit(batch, userId);
}
