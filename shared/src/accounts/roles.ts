import * as v from 'valibot';

/** The roles a member of a space can have, weakest first. */
export const ROLE = {
  viewer: 'viewer',
  editor: 'editor',
  owner: 'owner',
} as const;

/** One of {@link ROLE}. */
export type Role = (typeof ROLE)[keyof typeof ROLE];

/** A role on the wire. */
export const RoleSchema = v.picklist([ROLE.viewer, ROLE.editor, ROLE.owner]);

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

/** True when `role` allows at least what `minRole` allows (viewer < editor < owner). */
export function roleAtLeast(role: Role, minRole: Role): boolean {
  return RANK[role] >= RANK[minRole];
}
