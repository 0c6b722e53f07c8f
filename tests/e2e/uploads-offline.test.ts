import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSpace, signUp, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { signedInContext, waitForServiceWorkerControl } from './app-support';

// An upload started with the network off waits (the header says so, never "Synced"), carries on
// by itself when the network returns — no reload — and the file is then kept on this device.

const baseUrl = inject('baseUrl');

describe('an upload started offline', () => {
  let browser: Browser;
  let alice: TestUser;
  let spaceId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    alice = await signUp(baseUrl);
    ({ spaceId } = await createSpace(baseUrl, alice.cookie, 'Offline uploads'));
  });
  afterAll(async () => {
    await browser.close();
  });

  it('[B11][B22] resumes after setOffline(false) without a reload; the status shows it pending until done; the file is kept on the device', async () => {
    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    // Offline, the uploader's code comes from the service worker's cache.
    await waitForServiceWorkerControl(page);
    await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    const status = page.locator('details.sync summary');

    await context.setOffline(true);
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: randomBytes(300_000) });
    await page
      .getByRole('list', { name: 'Uploads' })
      .getByText(/Asking the server \(waiting for the network\)/)
      .first()
      .waitFor({ timeout: 30_000 });
    await expect(status.textContent()).resolves.not.toContain('Synced');
    await context.setOffline(false);
    // While the upload runs or waits the header never says "Synced"; once stored, it does.
    let syncedTooEarly = '';
    await expect
      .poll(
        async () => {
          const text = (await status.textContent()) ?? '';
          const linked = (await page.getByRole('link', { name: /report\.pdf/ }).count()) > 0;
          if (!linked && text.includes('Synced')) syncedTooEarly = text;
          return linked && text.includes('Synced');
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
    expect(syncedTooEarly).toBe('');

    await page
      .getByRole('link', { name: /report\.pdf/ })
      .first()
      .click();
    await page.getByText('Kept (opens offline)').waitFor({ timeout: 15_000 });
    await context.close();
  });
});
