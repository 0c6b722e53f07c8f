import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { screenshot, seriousViolations } from './app-support';

const baseUrl = inject('baseUrl');

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

async function addLocalNote(page: Page, title: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('New note').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByRole('link', { name: title }).waitFor();
}

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

describe('the app is accessible on its main screens (axe-core, no serious or critical violations)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  for (const viewport of VIEWPORTS) {
    describe(`at ${viewport.width} px`, () => {
      let context: BrowserContext;
      let page: Page;

      beforeAll(async () => {
        context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
        page = await context.newPage();
        await addLocalNote(page, 'Groceries');
        await addLocalNote(page, 'Packing list');
      });
      afterAll(async () => {
        await context.close();
      });

      it('home, and the skip link is the first stop of the keyboard', async () => {
        await page.goto(baseUrl);
        await page.getByRole('heading', { name: 'On this device' }).waitFor();
        await page.keyboard.press('Tab');
        await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe(
          'Skip to content',
        );
        await page.keyboard.press('Enter');
        await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
        await screenshot(page, `app-home-${viewport.name}`);
        await expectAccessible(page, 'home');
      });

      it('space view with search and kind filter', async () => {
        await page.goto(`${baseUrl}/spaces/local`);
        await page.getByRole('list', { name: 'Items' }).waitFor();
        await page.getByRole('searchbox', { name: 'Search items' }).fill('pack');
        // Search streams over the space's storage (S27): the matches replace the list when read.
        await expect.poll(() => page.getByRole('link', { name: 'Groceries' }).count()).toBe(0);
        await page.getByRole('link', { name: 'Packing list' }).waitFor();
        await page.getByRole('searchbox', { name: 'Search items' }).fill('');
        await screenshot(page, `app-space-${viewport.name}`);
        await expectAccessible(page, 'space view');
      });

      it('note editor with Markdown preview', async () => {
        await page.goto(`${baseUrl}/spaces/local`);
        await page.getByRole('link', { name: 'Groceries' }).click();
        await page
          .getByLabel('Text (Markdown)')
          .fill('# Shop\n\n- **milk**\n- <script>alert(1)</script>\n\n- [x] bread\n- [ ] eggs');
        await page.getByRole('button', { name: 'Show preview' }).click();
        const preview = page.getByRole('region', { name: 'Preview' });
        await preview.getByRole('heading', { name: 'Shop' }).waitFor();
        // Raw HTML in a note is shown as text, never run.
        await expect(preview.locator('script').count()).resolves.toBe(0);
        await expect(preview.getByText('<script>alert(1)</script>').isVisible()).resolves.toBe(true);
        // Task list items are read-only checkboxes.
        await expect(preview.getByRole('checkbox', { name: 'Done', exact: true }).isChecked()).resolves.toBe(
          true,
        );
        await expect(preview.getByRole('checkbox', { name: 'Not done' }).isDisabled()).resolves.toBe(true);
        await screenshot(page, `app-note-${viewport.name}`);
        await expectAccessible(page, 'note editor');
      });

      it('record editor with typed fields', async () => {
        await page.goto(`${baseUrl}/spaces/local`);
        await page.getByRole('button', { name: 'New record' }).click();
        await page.getByLabel('Field name').fill('Amount');
        await page.getByLabel('Type').selectOption('number');
        await page.getByRole('button', { name: 'Add field' }).click();
        await page.getByLabel('Field name').fill('Paid');
        await page.getByLabel('Type').selectOption('boolean');
        await page.getByRole('button', { name: 'Add field' }).click();
        await page.getByLabel('Amount').fill('12.5');
        await page.getByLabel('Amount').press('Enter');
        await page.getByLabel('Paid').check();
        await screenshot(page, `app-record-${viewport.name}`);
        await expectAccessible(page, 'record editor');
      });

      it('delete and restore', async () => {
        await page.goto(`${baseUrl}/spaces/local`);
        await page.getByRole('link', { name: 'Packing list' }).click();
        await page.getByRole('button', { name: 'Delete' }).click();
        await page.getByRole('button', { name: 'Restore' }).waitFor();
        await page.goto(`${baseUrl}/spaces/local/trash`);
        await page.getByRole('list', { name: 'Deleted items' }).waitFor();
        await screenshot(page, `app-trash-${viewport.name}`);
        await expectAccessible(page, 'deleted items');
        await page.getByRole('button', { name: 'Restore Packing list' }).click();
        await page.getByText('Nothing deleted recently.').waitFor();
        await page.goto(`${baseUrl}/spaces/local`);
        await page.getByRole('link', { name: 'Packing list' }).waitFor();
      });

      it('settings', async () => {
        await page.goto(`${baseUrl}/settings`);
        await page.getByRole('heading', { name: 'Storage on this device' }).waitFor();
        await page.getByText(/Used: \d/).waitFor();
        await screenshot(page, `app-settings-${viewport.name}`);
        await expectAccessible(page, 'settings');
      });
    });
  }
});
