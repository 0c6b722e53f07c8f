import { Hlc } from '#shared/sync/hlc';
import { newestStamp, type ItemKind, type ItemState, type JsonValue } from '#shared/sync/item';
import type { LockClaim, Mutation } from '#shared/sync/mutation';
import { randomToken } from '../kernel/crypto';

/** The HLC node of edits the server makes for a protocol front (WebDAV), and of its merges. */
export { SERVER_NODE } from '#shared/sync/apply';
import { SERVER_NODE } from '#shared/sync/apply';

/** An edit a front asks the server to make, as one user, to one item. */
export interface ServerEdit {
  itemId: string;
  kind: ItemKind;
  values: Record<string, JsonValue>;
  /** The lock token the writer holds for the item (S8); the change log re-checks it. */
  lock?: LockClaim;
  /**
   * The stamp each field had when the writer read it, where it differs from now (a WebDAV PUT
   * with the `If-Match` of an older version): the merge then keeps the newer version it
   * overwrites as a conflict copy (S6) instead of losing it.
   */
  bases?: Record<string, string | null>;
}

/**
 * The mutation of a server-side edit: stamped by a server HLC that has observed the item's
 * newest stamp (so the edit is newer than anything it replaces), each field's base the stamp the
 * server sees now. It then goes through the same change log as a pushed mutation: sequence
 * number, poke, fence and conflict-copy rules (docs/spec/sync.md).
 */
export function serverMutation(current: ItemState | null, edit: ServerEdit, now: number): Mutation {
  const clock = new Hlc(SERVER_NODE, () => now, current ? newestStamp(current) : null);
  const stamp = clock.now();
  const set: Mutation['set'] = {};
  for (const [field, value] of Object.entries(edit.values)) {
    const base = edit.bases && field in edit.bases ? edit.bases[field] : current?.fields[field]?.s;
    set[field] = { v: value, b: base ?? null };
  }
  return {
    id: randomToken(),
    itemId: edit.itemId,
    kind: edit.kind,
    stamp,
    set,
    ...(edit.lock ? { lock: edit.lock } : {}),
  };
}
