import type { Page } from 'playwright-core';
import { addMember, api, createSpace, signUp } from '../tests/support/api-client';
import { launchBrowser } from '../tests/support/browser';
import { ensureWebBuilt } from '../tests/support/build-web';
import { startLocalServer } from '../tests/support/local-server';
import { recordNotifications, type ShownNotification } from '../tests/support/notifications';

/**
 * `notify_release_to_waiter_p50_ms` (docs/spec/locks.md L28, L29): from the holder's release
 * (just before its request is sent) to the waiter's page showing the system notification, with
 * the waiter on the lock manager of the real app in Chromium and the real local server. Both
 * times are read from this machine's clock. Answers one figure per sample, in milliseconds.
 */
export async function notifyReleaseToWaiter(samples: number): Promise<number[]> {
  ensureWebBuilt();
  const server = await startLocalServer();
  const browser = await launchBrowser();
  try {
    const base = server.baseUrl;
    const holder = await signUp(base);
    const { spaceId } = await createSpace(base, holder.cookie, 'Notify bench');
    const waiter = await addMember(base, holder.cookie, spaceId, 'editor');
    const context = await browser.newContext();
    const [name = '', value = ''] = waiter.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base, httpOnly: true, secure: true, sameSite: 'Lax' }]);
    await recordNotifications(context, base);
    const page = await context.newPage();
    await page.goto(`${base}/spaces/${spaceId}/locks`);
    await page.getByText('Live.').waitFor({ timeout: 30_000 });
    const lock = (lockName: string, action: string) =>
      `/api/spaces/${spaceId}/locks/${encodeURIComponent(lockName)}/${action}`;
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const lockName = `bench/notify-${i}.psd`;
      const took = await api(base, lock(lockName, 'acquire'), {
        method: 'POST',
        cookie: holder.cookie,
        json: { requestId: `bench-notify-${i}-${Date.now()}`, kind: 'checkout' },
      });
      const { token } = (await took.json()) as { token: number };
      await api(base, lock(lockName, 'watch'), {
        method: 'POST',
        cookie: waiter.cookie,
        json: { notify: true },
      });
      const before = await count(page);
      const releasedAt = Date.now();
      await api(base, lock(lockName, 'release'), { method: 'POST', cookie: holder.cookie, json: { token } });
      await page.waitForFunction(
        (n) => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length > n,
        before,
        { timeout: 10_000 },
      );
      const shownAt = await page.evaluate(
        () =>
          (window as unknown as { shownNotifications: ShownNotification[] }).shownNotifications.at(-1)?.at ??
          0,
      );
      out.push(shownAt - releasedAt);
    }
    return out;
  } finally {
    await browser.close();
    await server.stop();
  }
}

function count(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length,
  );
}
