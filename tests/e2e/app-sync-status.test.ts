import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSpace, signUp } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { screenshot, seriousViolations } from './app-support';

const baseUrl = inject('baseUrl');

describe('the sync status area', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('shows an edit the server refused, with the reason, and lets the user discard it', async () => {
    const user = await signUp(baseUrl);
    const { spaceId } = await createSpace(baseUrl, user.cookie, 'Notes');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const [name = '', value = ''] = user.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: baseUrl }]);
    try {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/spaces/${spaceId}`);
      await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'New note' }).click();
      // One edit larger than a mutation may be (256 KiB): the server refuses it, saying why.
      await page.getByLabel('Text (Markdown)').fill('x'.repeat(300 * 1024));
      await page.getByLabel('Text (Markdown)').blur();
      const status = page.locator('summary', { hasText: 'Sync status' });
      await status.getByText(/refused/).waitFor({ timeout: 30_000 });
      await status.click();
      await page.getByRole('heading', { name: 'Refused changes' }).waitFor();
      await expect(
        page
          .getByText(/larger than/)
          .first()
          .isVisible(),
      ).resolves.toBe(true);
      await screenshot(page, 'app-sync-refused-phone');
      const violations = await seriousViolations(page);
      expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
      await page.getByRole('button', { name: 'Discard' }).click();
      await status.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  });

  it('a file dropped on a space is uploaded into it', async () => {
    const user = await signUp(baseUrl);
    const { spaceId } = await createSpace(baseUrl, user.cookie, 'Drops');
    const context = await browser.newContext();
    const [name = '', value = ''] = user.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: baseUrl }]);
    try {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/spaces/${spaceId}`);
      await page.getByRole('button', { name: 'New note' }).waitFor();
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }));
        window.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, cancelable: true }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
      });
      await page.getByRole('link', { name: 'dropped.txt' }).waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  });
});
