/** The id of the space that lives only on this device (no account needed). */
export const LOCAL_SPACE_ID = 'local';

/** Local-only spaces: `local`, and `local-<10 characters>` for more (imports); cloud ids are 22 characters. */
export function isLocalSpace(spaceId: string): boolean {
  return spaceId === LOCAL_SPACE_ID || /^local-[A-Za-z0-9_-]{10}$/.test(spaceId);
}

/** A new local-only space id. */
export function newLocalSpaceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const text = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
  return `local-${text.slice(0, 10)}`;
}

/** The name shown for a space. */
export function spaceLabel(spaceId: string, names?: ReadonlyMap<string, string>): string {
  if (spaceId === LOCAL_SPACE_ID) return 'On this device';
  return names?.get(spaceId) ?? 'Space';
}
