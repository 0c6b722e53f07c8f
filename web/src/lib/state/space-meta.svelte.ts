/** The id of the space that lives only on this device (no account needed). */
export const LOCAL_SPACE_ID = 'local';

/** The name shown for a space. Cloud names come from the spaces list once the user signed in. */
export function spaceLabel(spaceId: string, names?: ReadonlyMap<string, string>): string {
  if (spaceId === LOCAL_SPACE_ID) return 'On this device';
  return names?.get(spaceId) ?? 'Space';
}
