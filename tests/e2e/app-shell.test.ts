import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, launchPersistentContext } from '../support/browser';

const baseUrl = inject('baseUrl');

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  // `ready` can resolve before the worker is activated; wait for control of this page.
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
  });
}

describe('the app shell', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('loads, is controlled by the service worker, and reopens with the network off', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    await waitForServiceWorkerControl(page);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    // A deep link works offline too: the service worker answers navigations with the shell.
    await page.goto(`${baseUrl}/join/some-token`);
    await expect(page.locator('header .brand').textContent()).resolves.toBe('Baton');
    await context.close();
  });

  it('a note written through Dexie survives a reload', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(baseUrl);
    const title = `Shopping list ${Date.now()}`;
    await page.getByLabel('New note').fill(title);
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByText(title).waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    // The list is read from IndexedDB after the page renders: wait for it (fails after the timeout if lost).
    await page.getByText(title).waitFor({ timeout: 10_000 });
    await context.close();
  });

  it('never serves /api from the service worker cache', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(baseUrl);
    await waitForServiceWorkerControl(page);
    await context.setOffline(true);
    const status = await page.evaluate(async () => {
      try {
        const res = await fetch('/api/health');
        return res.status;
      } catch {
        return 'network-error';
      }
    });
    expect(status).toBe('network-error');
    await context.close();
  });

  it("passes Chromium's installability check", async () => {
    const profile = await launchPersistentContext();
    const { context } = profile;
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(baseUrl);
      await waitForServiceWorkerControl(page);
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
    } finally {
      await profile.close();
    }
  });
});
