import { DELETED_FIELD, isDeleted, type ItemState } from '#shared/sync/item';
import type { UndeleteResponse } from '#shared/history/deleted';
import type { RestoreRequest, RestoreResponse } from '#shared/history/protocol';
import { itemLabel, planRestore } from '#shared/history/restore';
import type { MutationResult } from '#shared/sync/protocol';
import { fail, ok, type Result } from '../kernel/result';
import type { ServerEdit } from './server-edit';
import type { ItemHistory } from './history';
import type { FenceVerdict } from './fence';

/** What a restore needs from the space's object. */
export interface RestoreDeps {
  history: ItemHistory;
  item(itemId: string): ItemState | null;
  fence(name: string, userId: string): FenceVerdict;
  memberName(userId: string): string;
  /** The one edit path (SpaceObject.serverEdit with front `restore`). */
  edit(edits: ServerEdit[], userId: string): Promise<MutationResult[]>;
}

/** The answer for an item the caller cannot see, whether or not it exists (V9). */
export const NO_SUCH_ITEM = 'No such item in this space.';

/**
 * Restores what `request` asks (V5–V7) as one ordinary edit through the front `restore`, so it
 * syncs to every device and is itself a version that can be undone. Refused, without writing,
 * while someone else has the item checked out (V10).
 */
export async function restoreItem(
  deps: RestoreDeps,
  itemId: string,
  request: RestoreRequest,
  userId: string,
): Promise<Result<RestoreResponse>> {
  const current = deps.item(itemId);
  if (!current) return fail('NOT_FOUND', NO_SUCH_ITEM);
  const plan = planRestore(request, deps.history.restoreInputs(current, request.stamp));
  if (!plan.ok) return fail(plan.code, plan.message);
  const verdict = deps.fence(itemId, userId);
  if (!verdict.ok && verdict.reason === 'locked') {
    const holder = verdict.holderUserId ? deps.memberName(verdict.holderUserId) : 'Someone';
    return fail(
      'LOCKED',
      `${holder} has ${itemLabel(current)} checked out; restore it once it is checked in.`,
    );
  }
  const [result] = await deps.edit([{ itemId, kind: current.kind, values: plan.values }], userId);
  if (result?.status !== 'applied')
    return fail('CONFLICT', result?.message ?? 'The restore was not applied.');
  const after = deps.item(itemId);
  const fields = Object.keys(plan.values);
  const stamp = after?.fields[fields[0] ?? '']?.s;
  if (!stamp) return fail('CONFLICT', 'The restore was not applied.');
  return ok({ stamp, fields });
}

/**
 * Brings deleted items back (V12) as one batch of edits through the front `restore`: each keeps
 * its folder, so a deleted folder comes back whole. Items someone else has checked out, and items
 * that are not deleted (any more), are skipped and listed by name.
 */
export async function undeleteItems(
  deps: Omit<RestoreDeps, 'history'>,
  itemIds: readonly string[],
  userId: string,
): Promise<UndeleteResponse> {
  const skipped: UndeleteResponse['skipped'] = [];
  const edits: ServerEdit[] = [];
  for (const itemId of new Set(itemIds)) {
    const item = deps.item(itemId);
    if (!item || !isDeleted(item)) {
      skipped.push({ itemId, title: item ? itemLabel(item) : 'an item', reason: 'It is not deleted.' });
      continue;
    }
    const verdict = deps.fence(itemId, userId);
    if (!verdict.ok && verdict.reason === 'locked') {
      const holder = verdict.holderUserId ? deps.memberName(verdict.holderUserId) : 'Someone';
      skipped.push({ itemId, title: itemLabel(item), reason: `${holder} has it checked out.` });
      continue;
    }
    edits.push({ itemId, kind: item.kind, values: { [DELETED_FIELD]: false } });
  }
  const results = edits.length === 0 ? [] : await deps.edit(edits, userId);
  const restored: string[] = [];
  results.forEach((result, index) => {
    const itemId = edits[index]?.itemId ?? '';
    if (result.status === 'applied') restored.push(itemId);
    else
      skipped.push({
        itemId,
        title: itemLabel(deps.item(itemId) ?? { id: itemId, kind: 'note', fields: {} }),
        reason: result.message,
      });
  });
  return { restored, skipped };
}
