import type { BrowserContext, Page } from 'playwright-core';

/** A system notification a page showed (docs/spec/locks.md L29), with when it was shown (`Date.now()` in the page). */
export interface ShownNotification {
  title: string;
  body: string;
  url: string;
  at: number;
}

// Plain JavaScript run in every page before its own scripts. A string, not a function: a function
// would be serialised as the TypeScript runner compiled it, with helpers the page does not have.
const RECORDER = `(() => {
  const shown = [];
  window.shownNotifications = shown;
  const record = (title, options) =>
    shown.push({ title, body: options?.body ?? '', url: options?.data?.url ?? '', at: Date.now() });
  const proto = ServiceWorkerRegistration.prototype;
  const viaWorker = proto.showNotification;
  proto.showNotification = function (title, options) {
    record(title, options);
    return viaWorker.call(this, title, options).catch(() => undefined);
  };
  const Native = window.Notification;
  class Recorded extends Native {
    constructor(title, options) {
      record(title, options);
      super(title, options);
    }
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
})();`;

/**
 * Allows system notifications for `origin` in `context` and records every one its pages show
 * (through the service worker or the page's Notification API) in `window.shownNotifications`,
 * still showing it for real.
 */
export async function recordNotifications(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript({ content: RECORDER });
}

/** The notifications `page` showed so far (title, body and the page each opens; `at` left out). */
export async function shownNotifications(page: Page): Promise<Omit<ShownNotification, 'at'>[]> {
  const all = await page.evaluate(
    () => (window as unknown as { shownNotifications: ShownNotification[] }).shownNotifications,
  );
  return all.map(({ title, body, url }) => ({ title, body, url }));
}
