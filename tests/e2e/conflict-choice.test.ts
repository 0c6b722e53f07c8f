import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { contextFor, waitSynced } from './together-support';
import { screenshot } from './app-support';

// A conflict is settled field by field (S23): keeping one field from the conflict copy leaves
// the other fields as they are now, instead of bringing back the copy's older values.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

async function setField(page: Page, name: string, value: string): Promise<void> {
  await page.getByLabel(new RegExp(`^${name}`)).fill(value);
  await page.getByText('Saved', { exact: true }).waitFor();
}

describe('settling a conflict field by field', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S23] keeping one field from the copy leaves the other fields as they are now', async () => {
    const owner = await client.signUp();
    const { spaceId } = await client.createSpace(owner.cookie, 'Events');
    const editor = await client.addMember(owner.cookie, spaceId, 'editor');
    const contextA = await contextFor(browser, owner);
    const contextB = await contextFor(browser, editor);
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    await a.goto(`${baseUrl}/spaces/${spaceId}`);
    await a.getByRole('button', { name: 'New record' }).click();
    await a.waitForURL(/\/items\//);
    for (const name of ['City', 'Phone']) {
      await a.getByLabel('Field name').fill(name);
      await a.getByRole('button', { name: 'Add field' }).click();
      await a.getByLabel(new RegExp(`^${name}`)).waitFor();
    }
    await setField(a, 'City', 'Porto');
    await setField(a, 'Phone', '100');
    await waitSynced(a);
    await b.goto(a.url());
    await expect.poll(() => b.getByLabel(/^Phone/).inputValue(), { timeout: 30_000 }).toBe('100');

    // Both change the city without seeing each other; the editor also changes the phone.
    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await setField(a, 'City', 'Lisbon');
    await setField(b, 'City', 'Braga');
    await setField(b, 'Phone', '200');
    await contextA.setOffline(false);
    await waitSynced(a);
    await contextB.setOffline(false);
    await waitSynced(b);
    await waitSynced(a);

    await a.goto(`${baseUrl}/spaces/${spaceId}/conflicts`);
    const copy = a.getByRole('article');
    await copy.first().waitFor({ timeout: 30_000 });
    await expect(copy.count()).resolves.toBe(1);
    const city = copy.getByRole('group', { name: 'Keep for City' });
    const phone = copy.getByRole('group', { name: 'Keep for Phone' });
    const copyCity = (await copy.getByRole('row', { name: /City/ }).textContent()) ?? '';
    const other =
      copyCity.includes('Lisbon') && copyCity.indexOf('Lisbon') < copyCity.indexOf('Braga')
        ? 'Lisbon'
        : 'Braga';
    // The copy holds the other city and the old phone; keep only the city from it.
    await city.getByLabel('conflict copy').check();
    await expect(phone.getByLabel('current').isChecked()).resolves.toBe(true);
    await screenshot(a, 'conflict-choice');
    await copy.getByRole('button', { name: 'Keep what I chose' }).click();
    await a.getByText('No conflicts. Everything merged cleanly.').waitFor({ timeout: 30_000 });
    await waitSynced(a);
    for (const page of [a, b]) {
      await page.goto(`${baseUrl}/spaces/${spaceId}`);
      await page.getByRole('link', { name: 'Untitled record' }).first().click();
      await expect.poll(() => page.getByLabel(/^City/).inputValue(), { timeout: 30_000 }).toBe(other);
      await expect(page.getByLabel(/^Phone/).inputValue()).resolves.toBe('200');
    }
    await contextA.close();
    await contextB.close();
  });
});
