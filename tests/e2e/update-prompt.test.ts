import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { startLocalServer, type LocalServer } from '../support/local-server';

const BUILT_APP = new URL('../../web/dist/', import.meta.url).pathname;

describe('a new version of the app', () => {
  let browser: Browser;
  let server: LocalServer;
  let assetsDir: string;

  beforeAll(async () => {
    // A server of its own whose app files this test can replace, as a deploy would.
    assetsDir = mkdtempSync(join(tmpdir(), 'baton-assets-'));
    cpSync(BUILT_APP, assetsDir, { recursive: true });
    [browser, server] = await Promise.all([launchBrowser(), startLocalServer({ assetsDir })]);
  });
  afterAll(async () => {
    await browser.close();
    await server.stop();
    rmSync(assetsDir, { recursive: true, force: true });
  });

  it('is offered with an "Update available — Reload" prompt and loads when the user asks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.baseUrl);
    await page.waitForFunction(async () => {
      const registration = await navigator.serviceWorker.ready;
      return registration.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
    });
    await expect(page.getByText('Update available').count()).resolves.toBe(0);

    // Deploy a "new release": the service worker's bytes change.
    appendFileSync(join(assetsDir, 'sw.js'), '\n// next release\n');
    const prompt = page.getByRole('status').filter({ hasText: 'Update available' });
    await expect
      .poll(
        async () => {
          await page.evaluate(async () =>
            (await navigator.serviceWorker.ready).update().then(() => undefined),
          );
          return prompt.count();
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(1);

    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    await expect(page.getByText('Update available').count()).resolves.toBe(0);
    const waiting = await page.evaluate(async () => (await navigator.serviceWorker.ready).waiting);
    expect(waiting).toBeNull();
    await context.close();
  });
});
