import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { contextFor } from './together-support';
import { screenshot } from './app-support';

// Sign-out is private (S25): the account's cloud spaces leave the device, the device-only
// space stays, and edits the server does not have are never deleted without saying so.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

async function newNote(page: Page, spaceId: string, title: string): Promise<string> {
  await page.goto(`${baseUrl}/spaces/${spaceId}`);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.waitForURL(/\/items\//);
  await page.getByLabel('Title').fill(title);
  await page.getByText('Saved', { exact: true }).waitFor();
  return page.url();
}

/** The titles of the items IndexedDB holds for a space. */
function titlesOnDevice(page: Page, spaceId: string): Promise<string[]> {
  return page.evaluate(async (id) => {
    const request = indexedDB.open('baton');
    const db: IDBDatabase = await new Promise(
      (resolve) => (request.onsuccess = () => resolve(request.result)),
    );
    const rows: { spaceId: string; fields: Record<string, { v: unknown }> }[] = await new Promise(
      (resolve) => {
        const all = db.transaction('items').objectStore('items').getAll();
        all.onsuccess = () => resolve(all.result);
      },
    );
    db.close();
    return rows.filter((row) => row.spaceId === id).map((row) => String(row.fields['title']?.v));
  }, spaceId);
}

describe('signing out', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S25] removes the cloud spaces from the device; a direct URL then shows no data; the device-only space stays', async () => {
    const user = await client.signUp();
    const { spaceId } = await client.createSpace(user.cookie, 'Private plans');
    const context = await contextFor(browser, user);
    const page = await context.newPage();
    const cloudNote = await newNote(page, spaceId, 'Salary review');
    await page.locator('summary', { hasText: 'Sync status' }).getByText('Synced', { exact: true }).waitFor({
      timeout: 30_000,
    });
    await newNote(page, 'local', 'Shopping list');
    await expect(titlesOnDevice(page, spaceId)).resolves.toContain('Salary review');

    await page.goto(`${baseUrl}/settings`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${baseUrl}/`);
    await expect.poll(() => titlesOnDevice(page, spaceId)).toEqual([]);
    await expect(titlesOnDevice(page, 'local')).resolves.toContain('Shopping list');

    await page.goto(cloudNote);
    // Signed out, a cloud space's address asks to sign in and shows nothing of it (S40).
    await page.getByRole('heading', { name: 'Sign in to open this space' }).waitFor();
    await expect(page.getByText('Salary review').count()).resolves.toBe(0);
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('heading', { name: 'Sign in to open this space' }).waitFor();
    await expect(page.getByText('Salary review').count()).resolves.toBe(0);
    await context.close();
  });

  it('[S25] offline, says how many changes would be lost, offers their export, and deletes nothing unasked', async () => {
    const user = await client.signUp();
    const { spaceId } = await client.createSpace(user.cookie, 'Field notes');
    const context = await contextFor(browser, user);
    const page = await context.newPage();
    // Every screen used offline is opened once online first (the app's code loads per screen).
    await page.goto(`${baseUrl}/settings`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('link', { name: 'Cloud' }).click();
    await page.getByRole('link', { name: 'Field notes' }).first().click();
    await page.locator('summary', { hasText: 'Sync status' }).getByText('Synced', { exact: true }).waitFor({
      timeout: 30_000,
    });
    await page.getByRole('button', { name: 'New note' }).click();
    await page.waitForURL(/\/items\//);
    await page.getByLabel('Title').waitFor();
    await context.setOffline(true);
    await page.getByLabel('Title').fill('Written offline');
    await page.getByLabel('Text (Markdown)').fill('not on the server yet');
    await page.getByText('Saved', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    const warning = page.getByRole('alert').filter({ hasText: 'not reached the server yet' });
    await warning.getByText(/not reached the server yet/).waitFor();
    const said = (await warning.textContent())?.replace(/\s+/g, ' ') ?? '';
    const waiting = await page.evaluate(async () => {
      const request = indexedDB.open('baton');
      const db: IDBDatabase = await new Promise(
        (resolve) => (request.onsuccess = () => resolve(request.result)),
      );
      const count: number = await new Promise((resolve) => {
        const all = db.transaction('outbox').objectStore('outbox').count();
        all.onsuccess = () => resolve(all.result);
      });
      db.close();
      return count;
    });
    expect(said).toContain(`${waiting} changes have not reached the server yet (you are offline)`);
    await expect(warning.getByRole('link', { name: 'Export Field notes first' }).count()).resolves.toBe(1);
    await screenshot(page, 'sign-out-offline-warning');
    await warning.getByRole('button', { name: 'Stay signed in' }).click();
    await expect(titlesOnDevice(page, spaceId)).resolves.toContain('Written offline');
    await context.close();
  });
});
