import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../support/browser';

// Group commit (S19) in a real Chromium: a burst of edits issued in a loop is cut by a reload.
// Every edit whose promise had resolved is stored, every stored edit is whole (item and outbox
// entry together), and what is stored is a prefix of the edits in the order they were made.

const baseUrl = inject('baseUrl');

interface Stored {
  order: string;
  items: number[];
  outbox: number[];
}

async function harnessPage(browser: Browser): Promise<Page> {
  const bundle = await build({
    entryPoints: [new URL('./harness/write-burst.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const context = await browser.newContext();
  await context.route('**/__write-burst/**', (route) =>
    route.fulfill({
      status: 200,
      contentType: route.request().url().endsWith('.js') ? 'text/javascript' : 'text/html',
      body: route.request().url().endsWith('.js')
        ? bundle.outputFiles[0]!.text
        : '<!doctype html><meta charset="utf-8"><title>burst</title><script type="module" src="/__write-burst/harness.js"></script>',
    }),
  );
  const page = await context.newPage();
  await page.goto(`${baseUrl}/__write-burst/index.html`);
  await page.waitForFunction(() => 'writeBurst' in globalThis);
  return page;
}

describe('a burst of edits cut by a reload', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('[S1] [S19] keeps every edit whose promise resolved, each whole, in the order made', async () => {
    const page = await harnessPage(browser);
    await page.evaluate(() =>
      (globalThis as unknown as { writeBurst: { start(db: string): void } }).writeBurst.start('burst-db'),
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { writeBurst: { resolved(): number } }).writeBurst.resolved() >= 2_000,
      undefined,
      { timeout: 60_000 },
    );
    await page.reload();
    await page.waitForFunction(() => 'writeBurst' in globalThis);
    const resolved = await page.evaluate(() =>
      (globalThis as unknown as { writeBurst: { resolved(): number } }).writeBurst.resolved(),
    );
    const stored = await page.evaluate(() =>
      (globalThis as unknown as { writeBurst: { stored(db: string): Promise<Stored> } }).writeBurst.stored(
        'burst-db',
      ),
    );
    expect(stored.order).toBe('kept');
    expect(resolved).toBeGreaterThanOrEqual(2_000);
    // None lost: every resolved edit is there; none half-written: items and outbox agree.
    expect(stored.items.length).toBeGreaterThanOrEqual(resolved);
    expect(stored.outbox).toEqual(stored.items);
    // A prefix of the edits as made: 0, 1, 2, … with no gap, and the reload did cut the burst.
    expect(stored.items).toEqual(stored.items.map((_, i) => i));
    expect(stored.items.length).toBeLessThan(1_000_000);
  });
});
