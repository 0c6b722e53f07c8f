/**
 * The grants this device holds, kept in localStorage so that a reload can take them back: the
 * acquire retried with the stored request id answers the same grant while it lasts (rule L9).
 * One entry per space and lock name; cleared on release and on loss.
 */
export interface StoredGrant {
  requestId: string;
  token: number;
}

const key = (spaceId: string) => `baton.lock-grants.${spaceId}`;

function read(spaceId: string): Record<string, StoredGrant> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(spaceId)) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: Record<string, StoredGrant> = {};
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      const grant = value as Partial<StoredGrant> | null;
      if (typeof grant?.requestId === 'string' && typeof grant.token === 'number')
        out[name] = { requestId: grant.requestId, token: grant.token };
    }
    return out;
  } catch {
    return {}; // storage refused or damaged: nothing to resume
  }
}

function write(spaceId: string, grants: Record<string, StoredGrant>): void {
  try {
    if (Object.keys(grants).length === 0) localStorage.removeItem(key(spaceId));
    else localStorage.setItem(key(spaceId), JSON.stringify(grants));
  } catch {
    // Storage full or refused: the checkout still works, it just will not survive a reload.
  }
}

/** The grants stored for a space, by lock name. */
export function storedGrants(spaceId: string): Record<string, StoredGrant> {
  return read(spaceId);
}

/** Remembers a grant of `name`. */
export function rememberGrant(spaceId: string, name: string, grant: StoredGrant): void {
  write(spaceId, { ...read(spaceId), [name]: grant });
}

/** Forgets the grant of `name` (only if it is still `token`'s, so an older tab cannot erase a newer grant). */
export function forgetGrant(spaceId: string, name: string, token: number): void {
  const grants = read(spaceId);
  if (grants[name]?.token !== token) return;
  delete grants[name];
  write(spaceId, grants);
}
