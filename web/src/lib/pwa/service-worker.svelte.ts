import { Workbox } from 'workbox-window';

/**
 * The service worker's state for the UI: registered through workbox-window; when a new version
 * has installed and waits, `updateReady` turns true and `applyUpdate()` activates it and reloads.
 */
class ServiceWorkerState {
  updateReady = $state(false);
  controlled = $state(false);
  #workbox: Workbox | undefined;

  register(): void {
    if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
    const workbox = new Workbox('/sw.js', { scope: '/' });
    this.#workbox = workbox;
    workbox.addEventListener('waiting', () => {
      this.updateReady = true;
    });
    workbox.addEventListener('controlling', () => {
      this.controlled = true;
    });
    this.controlled = navigator.serviceWorker.controller !== null;
    workbox.register().catch((error: unknown) => {
      console.warn('Service worker registration failed; the app will not work offline.', error);
    });
  }

  applyUpdate(): void {
    // Once the waiting version takes control of this page, load the page from it.
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    this.#workbox?.messageSkipWaiting();
  }
}

/** The app's service worker. */
export const serviceWorker = new ServiceWorkerState();
