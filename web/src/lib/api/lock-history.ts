import { SpaceLockHistoryResponseSchema, type SpaceLockHistoryResponse } from '#shared/locks/schemas';
import { apiFetch } from './http';

/**
 * The history of every lock of the space (rule L10), oldest first: the latest entries of each
 * lock the space ever granted, whether or not this device saw it (`GET …/locks-history`).
 */
export function fetchSpaceLockHistory(spaceId: string): Promise<SpaceLockHistoryResponse> {
  return apiFetch(`/api/spaces/${encodeURIComponent(spaceId)}/locks-history`, SpaceLockHistoryResponseSchema);
}
