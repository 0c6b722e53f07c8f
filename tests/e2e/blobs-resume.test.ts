import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSpace, signUp, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { sha256 } from '../support/sha256';

const baseUrl = inject('baseUrl');

async function downloadedBytes(page: Page): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  return readFile(await download.path());
}

describe('an interrupted upload after a reload', () => {
  let browser: Browser;
  let alice: TestUser;
  let spaceId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    alice = await signUp(baseUrl);
    ({ spaceId } = await createSpace(baseUrl, alice.cookie, 'Resumed files'));
  });
  afterAll(async () => {
    await browser.close();
  });

  it('[B11] resumes where it stopped when the space opens again, and ends as one file item', async () => {
    // 20 MiB: over the single-PUT limit, so three parts of 8 MiB.
    const bytes = randomBytes(20 * 1024 * 1024);
    const context = await browser.newContext({ acceptDownloads: true });
    const [name = '', value = ''] = alice.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: baseUrl }]);
    const page = await context.newPage();

    // Part 1 goes through; parts 2 and 3 fail until the uploader gives up, as on a dead network.
    let cut = true;
    const partsSent: string[] = [];
    await page.route('**/blobs/uploads/*/parts/*', async (route) => {
      const part = route.request().url().split('/').pop() ?? '';
      if (cut && part !== '1') return route.abort('failed');
      partsSent.push(part);
      return route.continue();
    });
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    // Hashing 20 MiB comes first; on a loaded machine that alone can take most of 30 s.
    const part1 = page.waitForResponse((res) => /\/parts\/1$/.test(res.url()) && res.ok(), {
      timeout: 90_000,
    });
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'resume.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await part1;
    await page.getByRole('alert').waitFor({ timeout: 60_000 });
    await expect(page.getByRole('link', { name: /resume\.bin/ }).count()).resolves.toBe(0);

    // The network is back and the page reloads: the upload continues by itself, visibly. The
    // final "complete" is held a moment so that its progress bar is surely on screen.
    cut = false;
    await page.route('**/blobs/uploads/*/complete', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.reload();
    await page.getByRole('progressbar', { name: /Verifying resume\.bin/ }).waitFor({ timeout: 30_000 });
    await page
      .getByRole('link', { name: /resume\.bin/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await expect(page.getByRole('progressbar').count()).resolves.toBe(0);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);

    // Only the missing parts were sent again, and exactly one item points at the blob.
    expect(partsSent.sort()).toEqual(['1', '2', '3']);
    await page.reload();
    await page
      .getByRole('link', { name: /resume\.bin/ })
      .first()
      .waitFor();
    await expect(page.getByRole('link', { name: /resume\.bin/ }).count()).resolves.toBe(1);

    await page
      .getByRole('link', { name: /resume\.bin/ })
      .first()
      .click();
    const downloaded = await downloadedBytes(page);
    expect(downloaded.length).toBe(bytes.length);
    expect(await sha256(downloaded)).toBe(await sha256(bytes));
    await context.close();
  });
});
