import {
  HistoryResponseSchema,
  NameVersionResponseSchema,
  RestoreResponseSchema,
  type HistoryResponse,
  type NameVersionResponse,
  type RestoreRequest,
  type RestoreResponse,
} from '#shared/history/protocol';
import {
  DeletedResponseSchema,
  UndeleteResponseSchema,
  type DeletedResponse,
  type UndeleteResponse,
} from '#shared/history/deleted';
import type { Retention } from '#shared/history/retention';
import {
  RewindJobResponseSchema,
  RewindResponseSchema,
  type RewindJob,
  type RewindRequest,
  type RewindResponse,
} from '#shared/history/rewind';
import { HistorySettingsResponseSchema, type HistorySettingsResponse } from '#shared/history/settings';
import { ActivityResponseSchema, type ActivityResponse } from '#shared/history/activity';
import { apiFetch } from '../api/http';

const historyPath = (spaceId: string, itemId: string) =>
  `/api/spaces/${encodeURIComponent(spaceId)}/items/${encodeURIComponent(itemId)}/history`;

/** A page of an item's edits, newest first (V1–V3): the ones older than `before` when given. */
export function fetchHistory(spaceId: string, itemId: string, before?: string): Promise<HistoryResponse> {
  const query = before ? `?before=${encodeURIComponent(before)}` : '';
  return apiFetch(`${historyPath(spaceId, itemId)}${query}`, HistoryResponseSchema);
}

/** Restores a version, a field or a passage, or undoes an edit (V5–V7); the result syncs like any edit. */
export function restoreVersion(
  spaceId: string,
  itemId: string,
  request: RestoreRequest,
): Promise<RestoreResponse> {
  return apiFetch(`${historyPath(spaceId, itemId)}/restore`, RestoreResponseSchema, { body: request });
}

/** Names a version to keep it forever, or takes its name away with `name` null (V8). */
export function nameVersion(
  spaceId: string,
  itemId: string,
  stamp: string,
  name: string | null,
): Promise<NameVersionResponse> {
  const path = `${historyPath(spaceId, itemId)}/${encodeURIComponent(stamp)}/name`;
  return name === null
    ? apiFetch(path, NameVersionResponseSchema, { method: 'DELETE' })
    : apiFetch(path, NameVersionResponseSchema, { method: 'PUT', body: { name } });
}

/** The space's deletions of the last 30 days, newest first, folders as one (V11). */
export function fetchDeleted(spaceId: string): Promise<DeletedResponse> {
  return apiFetch(`/api/spaces/${encodeURIComponent(spaceId)}/deleted`, DeletedResponseSchema);
}

/** Brings deleted items back in their folders (V12). */
export function undelete(spaceId: string, itemIds: string[]): Promise<UndeleteResponse> {
  return apiFetch(`/api/spaces/${encodeURIComponent(spaceId)}/deleted/restore`, UndeleteResponseSchema, {
    body: { itemIds },
  });
}

/** How much the space's history takes and how long it keeps versions (V14). */
export function fetchHistorySettings(spaceId: string): Promise<HistorySettingsResponse> {
  return apiFetch(
    `/api/spaces/${encodeURIComponent(spaceId)}/history-settings`,
    HistorySettingsResponseSchema,
  );
}

/** An owner's shorter window, or the default back (V14). */
export function saveHistorySettings(spaceId: string, retention: Retention): Promise<HistorySettingsResponse> {
  return apiFetch(
    `/api/spaces/${encodeURIComponent(spaceId)}/history-settings`,
    HistorySettingsResponseSchema,
    {
      method: 'PUT',
      body: retention,
    },
  );
}

/** What a rewind of the space (or one folder) to `at` would do, or, with `apply`, does (V16–V18). */
export function rewindSpace(
  spaceId: string,
  request: RewindRequest,
  apply: boolean,
): Promise<RewindResponse> {
  const path = `/api/spaces/${encodeURIComponent(spaceId)}/rewind${apply ? '' : '/preview'}`;
  return apiFetch(path, RewindResponseSchema, { body: request });
}

/** The newest background rewind (V20), or, with `cancel`, stops it after its current step. */
export async function rewindJob(spaceId: string, cancel = false): Promise<RewindJob | null> {
  const path = `/api/spaces/${encodeURIComponent(spaceId)}/rewind/job`;
  const answer = await apiFetch(path, RewindJobResponseSchema, cancel ? { method: 'DELETE' } : {});
  return answer.job;
}

/** The space's edits per hour (a window of up to two days) or per day over the last `days` (V23). */
export function fetchActivity(spaceId: string, days: number): Promise<ActivityResponse> {
  return apiFetch(`/api/spaces/${encodeURIComponent(spaceId)}/activity?days=${days}`, ActivityResponseSchema);
}
