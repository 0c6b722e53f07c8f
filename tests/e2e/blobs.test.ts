import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addMember, createSpace, signUp, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { sha256 } from '../support/sha256';

const baseUrl = inject('baseUrl');

async function contextFor(browser: Browser, user: TestUser): Promise<BrowserContext> {
  const context = await browser.newContext({ acceptDownloads: true });
  const [name = '', value = ''] = user.cookie.split(/=(.*)/s);
  await context.addCookies([{ name, value, url: baseUrl }]);
  return context;
}

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
  });
}

async function downloadedBytes(page: Page): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  const path = await download.path();
  return readFile(path);
}

describe('files in the browser', () => {
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let spaceId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    alice = await signUp(baseUrl);
    ({ spaceId } = await createSpace(baseUrl, alice.cookie, 'Shared files'));
    bob = await addMember(baseUrl, alice.cookie, spaceId, 'viewer');
  });
  afterAll(async () => {
    await browser.close();
  });

  it('[B4][B17][B18] upload with a progress bar; another member downloads it; pinned, it opens offline', async () => {
    // 20 MiB: three parts of 8 MiB, so the upload is multipart and shows its progress.
    const bytes = randomBytes(20 * 1024 * 1024);
    const contextA = await contextFor(browser, alice);
    const pageA = await contextA.newPage();
    // Hold the final "complete" call a moment so that the progress bar is surely on screen.
    await pageA.route('**/blobs/uploads/*/complete', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await pageA.goto(`${baseUrl}/spaces/${spaceId}`);
    await pageA
      .locator('input[type="file"]')
      .setInputFiles({ name: 'report.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const bar = pageA.getByRole('progressbar', { name: /report\.bin/ });
    await bar.waitFor({ state: 'visible' });
    await pageA.getByRole('progressbar', { name: /Verifying report\.bin/ }).waitFor();
    await bar.waitFor({ state: 'detached', timeout: 60_000 });
    await pageA
      .getByRole('link', { name: /report\.bin/ })
      .first()
      .waitFor();

    const contextB = await contextFor(browser, bob);
    const pageB = await contextB.newPage();
    await pageB.goto(`${baseUrl}/spaces/${spaceId}`);
    await pageB
      .getByRole('link', { name: /report\.bin/ })
      .first()
      .click({ timeout: 30_000 });
    const first = await downloadedBytes(pageB);
    expect(first.length).toBe(bytes.length);
    expect(await sha256(first)).toBe(await sha256(bytes));

    await pageB.getByRole('button', { name: 'Keep offline' }).click();
    await pageB.getByText('Pinned (kept offline)').waitFor();
    await waitForServiceWorkerControl(pageB);
    const itemUrl = pageB.url();

    await contextB.setOffline(true);
    await pageB.goto(itemUrl);
    await pageB.getByText('Pinned (kept offline)').waitFor();
    const offline = await downloadedBytes(pageB);
    expect(await sha256(offline)).toBe(await sha256(bytes));

    await contextA.close();
    await contextB.close();
  });

  it('[B11] when the network drops during an upload, it carries on by itself once the network is back', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const context = await contextFor(browser, alice);
    const page = await context.newPage();
    // The network goes away while part 2 is being sent and stays away for longer than the
    // uploader's 4 retries with backoff take (about 12 s seen here): it must wait for 'online'.
    let cut = false;
    const pattern = '**/blobs/uploads/*/parts/2';
    await page.route(pattern, async (route) => {
      cut = true;
      await context.setOffline(true);
      await route.abort('internetdisconnected');
      // Routed requests bypass the offline emulation: stop routing so that retries meet it.
      await page.unroute(pattern);
      setTimeout(() => void context.setOffline(false), 25_000);
    });
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'flaky.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await page
      .getByRole('link', { name: /flaky\.bin/ })
      .first()
      .waitFor({ timeout: 75_000 });
    expect(cut).toBe(true);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);

    await page
      .getByRole('link', { name: /flaky\.bin/ })
      .first()
      .click();
    const downloaded = await downloadedBytes(page);
    expect(await sha256(downloaded)).toBe(await sha256(bytes));
    await context.close();
  });
});
