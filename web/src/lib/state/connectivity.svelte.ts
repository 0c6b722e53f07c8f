/**
 * Whether the browser believes it is online. `navigator.onLine` only knows about the network
 * interface, so the sync layer's own status (last sync, failures) is shown beside it.
 */
class Connectivity {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

  constructor() {
    if (typeof window === 'undefined') return;
    addEventListener('online', () => (this.online = true));
    addEventListener('offline', () => (this.online = false));
  }
}

/** The app's view of the network. */
export const connectivity = new Connectivity();
