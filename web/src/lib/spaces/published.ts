/**
 * Which cloud space each device-only space was published as, so that the device-only space
 * points to it ("Published as …") instead of offering to publish again and make a duplicate.
 */
const key = (localId: string) => `baton.published.${localId}`;

/** The cloud space `localId` was published as, or null. */
export function publishedAs(localId: string): string | null {
  try {
    return localStorage.getItem(key(localId));
  } catch {
    return null;
  }
}

/** Records that `localId` was published as `cloudId`. */
export function rememberPublished(localId: string, cloudId: string): void {
  try {
    localStorage.setItem(key(localId), cloudId);
  } catch {
    // Storage refused: the link is lost, the cloud space is not.
  }
}
