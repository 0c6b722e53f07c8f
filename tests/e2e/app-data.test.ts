import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as v from 'valibot';
import { SpaceListResponseSchema } from '#shared/accounts/spaces';
import { api, signUp } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { screenshot } from './app-support';

const baseUrl = inject('baseUrl');

interface ExportedItem {
  id: string;
  kind: string;
  fields: Record<string, { v: unknown; s: string }>;
}

/** What a round trip must keep: ids, kinds and every field value (stamps are re-made on import). */
function content(items: ExportedItem[]) {
  return items
    .map((item) => ({
      id: item.id,
      kind: item.kind,
      values: Object.fromEntries(
        Object.entries(item.fields)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, entry]): [string, unknown] => [name, entry.v]),
      ),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function exportJson(page: Page, spaceId: string): Promise<{ bytes: Buffer; items: ExportedItem[] }> {
  await page.goto(`${baseUrl}/spaces/${spaceId}/export`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON' }).click(),
  ]);
  const bytes = await readFile(await download.path());
  const data = JSON.parse(bytes.toString('utf8')) as { items: ExportedItem[] };
  return { bytes, items: data.items };
}

describe('data: export and import, and a large space', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context.close();
    await browser.close();
  });

  it('[S18] export then import into a new space reproduces it, conflict copies still labelled; a corrupt file changes nothing', async () => {
    await page.goto(baseUrl);
    for (const title of ['Alpha, "quoted"', 'Beta', 'Gamma']) {
      await page.getByLabel('New note').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await page.getByRole('link', { name: title }).waitFor();
    }
    await page.goto(`${baseUrl}/spaces/local`);
    await page.getByRole('button', { name: 'New record' }).click();
    await page.getByLabel('Field name').fill('Due');
    await page.getByLabel('Type').selectOption('date');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Due').fill('2026-12-24');
    await page.getByLabel('Due').blur();
    await page.goto(`${baseUrl}/spaces/local`);
    await page.getByRole('link', { name: 'Beta' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();

    const original = await exportJson(page, 'local');
    expect(original.items.length).toBe(4);

    // A corrupt file: refused with a message, and no space appears.
    const spacesBefore = await page.getByRole('combobox', { name: 'Space' }).locator('option').count();
    await page.getByLabel('Export file').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: original.bytes.subarray(0, 200),
    });
    await page.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();
    await expect(page.getByRole('button', { name: 'Import' }).count()).resolves.toBe(0);
    const tampered = JSON.parse(original.bytes.toString('utf8')) as { items: { kind: string }[] };
    tampered.items[0]!.kind = 'spreadsheet';
    await page.getByLabel('Export file').setInputFiles({
      name: 'tampered.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(tampered)),
    });
    await page.getByRole('alert').filter({ hasText: 'Unknown item kind' }).waitFor();
    await screenshot(page, 'app-import-refused');
    await expect(page.getByRole('combobox', { name: 'Space' }).locator('option').count()).resolves.toBe(
      spacesBefore,
    );

    // The real file: imported into a new space on this device.
    await page
      .getByLabel('Export file')
      .setInputFiles({ name: 'space.baton.json', mimeType: 'application/json', buffer: original.bytes });
    await page.getByText('4 items, ready to import.').waitFor();
    await page.getByLabel('New space name').fill('Restored');
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/spaces\/local-[A-Za-z0-9_-]{10}$/);
    const newId = new URL(page.url()).pathname.split('/')[2] ?? '';
    await page.getByRole('heading', { name: 'Restored' }).waitFor();
    await page.getByRole('link', { name: 'Gamma' }).waitFor();
    await expect(page.getByRole('link', { name: 'Beta' }).count()).resolves.toBe(0); // still deleted

    const copy = await exportJson(page, newId);
    expect(content(copy.items)).toEqual(content(original.items));

    // [S18] A conflict copy in the file (as the server makes them) imports labelled as one: it
    // is on the conflicts screen beside its original, not a second "Gamma" in the list.
    const withCopy = JSON.parse(original.bytes.toString('utf8')) as { items: (ExportedItem & object)[] };
    const gamma = withCopy.items.find((item) => item.fields['title']?.v === 'Gamma');
    if (!gamma) throw new Error('Gamma is in the export');
    withCopy.items.push({
      id: 'mutnodeB00001~l',
      kind: 'note',
      fields: { ...gamma.fields, title: { v: 'Gamma, the losing edit', s: gamma.fields['title']!.s } },
      conflict: {
        of: gamma.id,
        reason: 'lost',
        mutationId: 'mutnodeB00001',
        stamp: gamma.fields['title']!.s,
      },
    } as ExportedItem);
    await page.goto(`${baseUrl}/spaces/local/export`);
    await page.getByLabel('Export file').setInputFiles({
      name: 'with-conflict.baton.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(withCopy)),
    });
    await page.getByLabel('New space name').fill('Restored with a conflict');
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(
      (url) => /\/spaces\/local-[A-Za-z0-9_-]{10}$/.test(url.pathname) && !url.pathname.endsWith(newId),
    );
    await page.getByRole('link', { name: 'Gamma' }).waitFor();
    await expect(page.getByRole('link', { name: /Gamma, the losing edit/ }).count()).resolves.toBe(0);
    await page.goto(`${page.url()}/conflicts`);
    const article = page.getByRole('article');
    await article.first().waitFor({ timeout: 15_000 });
    await expect(article.count()).resolves.toBe(1);
    await expect(article.textContent()).resolves.toContain('This edit lost to a newer edit');
    await expect(article.textContent()).resolves.toContain('Gamma, the losing edit');
  });

  it('a space of 10,000 items stays a short DOM: only the rows in view are rendered', async () => {
    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    const count = 10_000;
    await page.evaluate(async (n) => {
      const open = indexedDB.open('baton');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error ?? new Error('open failed'));
      });
      const tx = db.transaction('items', 'readwrite');
      const store = tx.objectStore('items');
      const base = 1_764_300_000_000;
      for (let i = 1; i <= n; i++) {
        const wall = base + i;
        const stamp = `${String(wall).padStart(15, '0')}-000000-bulkload`;
        store.put({
          spaceId: 'local-bulktest01',
          id: `bulk${String(i).padStart(6, '0')}`,
          kind: i % 3 === 0 ? 'record' : 'note',
          fields: { title: { v: `Bulk item ${i}`, s: stamp } },
          updatedAt: wall,
          // Written past the app's Dexie, so the row carries the list place the app derives (S27).
          place: 'live:',
        });
      }
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error ?? new Error('write failed'));
      });
      db.close();
    }, count);

    await page.goto(`${baseUrl}/spaces/local-bulktest01`);
    await page.getByText('10000 items').waitFor({ timeout: 30_000 });
    const rows = page.getByRole('list', { name: 'Items' }).getByRole('listitem');
    expect(await rows.count()).toBeLessThan(60);
    await page.getByRole('link', { name: 'Bulk item 10000', exact: true }).waitFor();

    // Scrolled to the end, the oldest item is there, and the DOM is still short.
    await page.locator('.viewport').evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await page.getByRole('link', { name: 'Bulk item 1', exact: true }).waitFor();
    expect(await rows.count()).toBeLessThan(60);
    await screenshot(page, 'app-space-10k');

    await page.getByRole('searchbox', { name: 'Search items' }).fill('item 9999');
    await page.getByText('1 item', { exact: true }).waitFor();
    await page.getByLabel('Kind').selectOption('record');
    await page.getByRole('searchbox', { name: 'Search items' }).fill('');
    await page.getByText(`${Math.floor(count / 3)} items`).waitFor();
  });

  it('[S17] publishing asks for the name, twice makes no duplicate, and another device of the same person gets it', async () => {
    const user = await signUp(baseUrl);
    const [name = '', value = ''] = user.cookie.split(/=(.*)/s);
    const device = async () => {
      const other = await browser.newContext();
      await other.addCookies([{ name, value, url: baseUrl }]);
      return other;
    };
    const first = await device();
    const second = await device();
    try {
      const one = await first.newPage();
      await one.goto(baseUrl);
      await one.getByLabel('New note').fill('Written before signing up');
      await one.getByRole('button', { name: 'Add' }).click();
      await one.getByRole('link', { name: 'Written before signing up' }).waitFor();
      await one.goto(`${baseUrl}/spaces/local`);
      await one.getByRole('button', { name: 'Publish a copy to the cloud' }).click();
      // The name is asked for; then the device-only space links to its cloud space.
      await one.getByLabel('Name of the cloud space').fill('Field notes');
      await one.getByRole('button', { name: 'Publish', exact: true }).click();
      await one.waitForURL(/\/spaces\/[A-Za-z0-9_-]{22}$/);
      await one.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
      const cloudUrl = one.url();
      await expect(one.locator('h1').textContent()).resolves.toBe('Field notes');

      // Back on the device-only space: no second publish, a link to the one made.
      await one.goto(`${baseUrl}/spaces/local`);
      await one.getByRole('link', { name: '“Field notes”' }).waitFor();
      await expect(one.getByRole('button', { name: 'Publish a copy to the cloud' }).count()).resolves.toBe(0);
      await one.getByRole('link', { name: '“Field notes”' }).click();
      await one.waitForURL(cloudUrl);
      const listed = v.parse(
        SpaceListResponseSchema,
        await (await api(baseUrl, '/api/spaces', { cookie: user.cookie })).json(),
      );
      expect(listed.spaces.map((space) => space.name)).toEqual(['Field notes']);
      // Renaming starts from the current name.
      await one.goto(`${baseUrl}/spaces`);
      await one.getByRole('button', { name: 'Rename Field notes' }).click();
      await expect(one.getByLabel('New name').inputValue()).resolves.toBe('Field notes');

      const two = await second.newPage();
      await two.goto(cloudUrl);
      await two.getByRole('link', { name: 'Written before signing up' }).waitFor({ timeout: 30_000 });
    } finally {
      await first.close();
      await second.close();
    }
  });
});
