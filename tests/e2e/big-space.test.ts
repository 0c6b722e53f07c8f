import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PULL_PAGE_DEFAULT } from '#shared/sync/protocol';
import { formatStamp } from '#shared/sync/hlc';
import { apiClient } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { screenshot, signedInContext } from './app-support';

// A space of 20,000 items (issue 15 #4, S27), filled through the real push API and pulled by the
// app: the list shows the newest rows, scrolls to the oldest, search finds a record by a value
// deep in the space, a kind and a folder narrow it, the trash lists the deleted ones, and no
// read of the page ever returned more rows than one pull page (the space is never loaded whole).
// 100,000 items are measured by `npm run bench:sync` (open_100k_ms, heap_100k_mb).

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
const COUNT = 20_000;

/** What item `i` is: some in a folder, some deleted, every fourth a record with a value. */
const inArchive = (i: number) => i % 10 === 0;
const isDeleted = (i: number) => !inArchive(i) && i % 100 === 55;
const isRecord = (i: number) => i % 4 === 1;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function seed(cookie: string, spaceId: string): Promise<void> {
  const clientId = 'seedbigspace01';
  const wall = Date.now() - 2 * COUNT;
  for (let start = 0; start < COUNT; start += 500) {
    const mutations = range(Math.min(500, COUNT - start)).map((offset) => {
      const i = start + offset;
      const set: Record<string, { v: unknown; b: null }> = { title: { v: `Item ${i}`, b: null } };
      if (inArchive(i)) set['folder'] = { v: 'Archive/2025', b: null };
      if (isDeleted(i)) set['$deleted'] = { v: true, b: null };
      if (isRecord(i)) set['r:Code'] = { v: `ref${i}z`, b: null };
      return {
        id: `bigmut${String(i).padStart(8, '0')}`,
        itemId: `big${String(i).padStart(8, '0')}`,
        kind: isRecord(i) ? 'record' : 'note',
        // One millisecond apart, so "newest first" is the order of i, newest last.
        stamp: formatStamp({ wall: wall + i, counter: 0, node: clientId }),
        set,
      };
    });
    const res = await client.api(`/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      cookie,
      json: { clientId, mutations },
    });
    expect(res.status).toBe(200);
  }
}

/** Since the page loaded, no read of items returned more than one pull page: none loaded the space whole. */
async function expectNoWholeRead(page: Page): Promise<void> {
  const largest = await page.evaluate(
    () => (globalThis as { batonItemReads?: { largest: number } }).batonItemReads?.largest ?? -1,
  );
  expect(largest).toBeGreaterThan(0);
  expect(largest).toBeLessThanOrEqual(PULL_PAGE_DEFAULT);
}

describe('a big space in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S27] 20,000 items: the list reads the rows in view, scrolls to the oldest, and search, kind and folder narrow it', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Big space');
    await seed(owner.cookie, spaceId);
    const context = await signedInContext(browser, baseUrl, owner);
    const page = await context.newPage();
    const live = range(COUNT).filter((i) => !inArchive(i) && !isDeleted(i));

    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByText('Synced', { exact: true }).waitFor({ timeout: 120_000 });
    await page.getByText(`${live.length} items`, { exact: true }).waitFor({ timeout: 60_000 });
    const list = page.getByRole('list', { name: 'Items' });
    await list.getByRole('link', { name: `Item ${live.at(-1)}`, exact: true }).waitFor();
    expect(await list.getByRole('listitem').count()).toBeLessThan(60);
    // While the app pulled the space and listed it, no read returned more than one pull page.
    await expectNoWholeRead(page);

    // Opened again from this device's storage: the first rows show, the last one is reached.
    await page.reload();
    await list.getByRole('link', { name: `Item ${live.at(-1)}`, exact: true }).waitFor({ timeout: 30_000 });
    await page.locator('.viewport').evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await list.getByRole('link', { name: `Item ${live[0]}`, exact: true }).waitFor({ timeout: 30_000 });
    expect(await list.getByRole('listitem').count()).toBeLessThan(60);
    await screenshot(page, 'app-space-20k');

    // A record found by a field value, from deep in the space (one of the oldest items).
    const search = page.getByRole('searchbox', { name: 'Search items' });
    await search.fill('REF41Z');
    await page.getByText('1 item', { exact: true }).waitFor({ timeout: 60_000 });
    await list.getByRole('link', { name: 'Item 41', exact: true }).waitFor();
    await search.fill('');
    await page.getByLabel('Kind').selectOption('record');
    const records = live.filter(isRecord);
    await page.getByText(`${records.length} items`, { exact: true }).waitFor({ timeout: 30_000 });
    await list.getByRole('link', { name: `Item ${records.at(-1)}`, exact: true }).waitFor();
    await page.getByLabel('Kind').selectOption('all');

    // A folder narrows the list to what is in it, through its breadcrumbs.
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('button', { name: '2025' }).click();
    await page.getByText(`${range(COUNT).filter(inArchive).length} items`, { exact: true }).waitFor();
    await expect(page.getByRole('navigation', { name: 'Folder' }).textContent()).resolves.toContain('2025');
    await list.getByRole('link', { name: `Item ${COUNT - 10}`, exact: true }).waitFor();

    await expectNoWholeRead(page);

    // The deleted ones are in the trash, newest first.
    await page.goto(`${baseUrl}/spaces/${spaceId}/trash`);
    const deleted = range(COUNT).filter(isDeleted);
    await page.getByText(`${deleted.length} items`, { exact: true }).waitFor({ timeout: 30_000 });
    await page
      .getByRole('list', { name: 'Deleted items' })
      .getByRole('button', { name: `Restore Item ${deleted.at(-1)}`, exact: true })
      .waitFor();
    await expectNoWholeRead(page);
    await context.close();
  });
});
