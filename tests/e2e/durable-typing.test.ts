import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { contextFor, keepStorageBusy } from './together-support';

// Every keystroke is stored as it is typed (S24): a reload right after typing keeps it, in a
// note and in a record field; the status never says "Synced" before the server has the edit;
// a conflict is settled field by field; removing a record field asks first.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

const status = (page: Page) => page.locator('summary', { hasText: 'Sync status' });

async function serverItems(
  user: TestUser,
  spaceId: string,
): Promise<{ fields: Record<string, { v: unknown }> }[]> {
  const res = await api(baseUrl, `/api/spaces/${spaceId}/sync/pull?after=0`, { cookie: user.cookie });
  const body = (await res.json()) as { changes: { item: { fields: Record<string, { v: unknown }> } }[] };
  return body.changes.map((change) => change.item);
}

/** Opens a new note in the space and types `text` into its body, key by key. */
async function newNoteTyped(page: Page, spaceId: string, text: string): Promise<void> {
  await page.goto(`${baseUrl}/spaces/${spaceId}`);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.waitForURL(/\/items\//);
  await page.getByLabel('Text (Markdown)').click();
  await page.keyboard.type(text);
}

/** Opens a new record in the space, adds the text field `name` and types `text` into it. */
async function newRecordTyped(page: Page, spaceId: string, name: string, text: string): Promise<void> {
  await page.goto(`${baseUrl}/spaces/${spaceId}`);
  await page.getByRole('button', { name: 'New record' }).click();
  await page.waitForURL(/\/items\//);
  await page.getByLabel('Field name').fill(name);
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByLabel(new RegExp(`^${name}`)).click();
  await page.keyboard.type(text);
}

const saved = (page: Page) => page.getByRole('status').getByText('Saved', { exact: true }).waitFor();
const noteText = (page: Page) => page.getByLabel('Text (Markdown)').inputValue();

describe('every keystroke is kept', () => {
  let browser: Browser;
  let user: TestUser;
  let spaceId: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    user = await client.signUp();
    ({ spaceId } = await client.createSpace(user.cookie, 'Durable'));
    browser = await launchBrowser();
    context = await contextFor(browser, user);
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S24] a reload 50 ms after the last key keeps the note text', async () => {
    await newNoteTyped(page, spaceId, 'typed just before the reload');
    await page.waitForTimeout(50);
    await page.reload();
    await expect.poll(() => noteText(page), { timeout: 15_000 }).toBe('typed just before the reload');
  });

  it('[S24] a reload 50 ms after typing into a record field (no blur) keeps the value', async () => {
    await newRecordTyped(page, spaceId, 'City', 'Lisbon');
    await page.waitForTimeout(50);
    await page.reload();
    await expect.poll(() => page.getByLabel(/^City/).inputValue(), { timeout: 15_000 }).toBe('Lisbon');
  });

  it('[S34] a reload while the device storage is busy keeps the keys typed just before it', async () => {
    await newNoteTyped(page, spaceId, 'stored first');
    await saved(page);
    await keepStorageBusy(page, 3_000);
    await page.keyboard.type(', then typed while the disk was busy');
    await page.waitForTimeout(50);
    await page.reload();
    await expect
      .poll(() => noteText(page), { timeout: 15_000 })
      .toBe('stored first, then typed while the disk was busy');
    await saved(page);
  });

  it('[S34] the same in a record field', async () => {
    await newRecordTyped(page, spaceId, 'Town', 'Por');
    await saved(page);
    await keepStorageBusy(page, 3_000);
    await page.keyboard.type('to');
    await page.waitForTimeout(50);
    await page.reload();
    await expect.poll(() => page.getByLabel(/^Town/).inputValue(), { timeout: 15_000 }).toBe('Porto');
  });

  it('[S34] closing the tab while the device storage is busy keeps the keys typed just before it', async () => {
    const tab = await context.newPage();
    await newNoteTyped(tab, spaceId, 'first part');
    const url = tab.url();
    await saved(tab);
    await keepStorageBusy(tab, 3_000);
    await tab.keyboard.type(' and the part typed as the tab closed');
    await tab.waitForTimeout(50);
    await tab.close();
    const again = await context.newPage();
    await again.goto(url);
    await expect
      .poll(() => noteText(again), { timeout: 15_000 })
      .toBe('first part and the part typed as the tab closed');
    await again.close();
  });

  it('[S34] closing one of two tabs while the device storage is busy: the other tab shows its last keys', async () => {
    const closing = await context.newPage();
    await newNoteTyped(closing, spaceId, 'in both tabs');
    await saved(closing);
    const staying = await context.newPage();
    await staying.goto(closing.url());
    await expect.poll(() => noteText(staying)).toBe('in both tabs');
    await keepStorageBusy(closing, 3_000);
    await closing.getByLabel('Text (Markdown)').click();
    await closing.keyboard.press('End');
    await closing.keyboard.type(', then typed in the tab that closed');
    await closing.waitForTimeout(50);
    await closing.close();
    // No reload: the open tab stores what the closed one left, and shows it.
    await expect
      .poll(() => noteText(staying), { timeout: 15_000 })
      .toBe('in both tabs, then typed in the tab that closed');
    await staying.close();
  });

  it('[S24] "Synced" is never shown before the server has the edit', async () => {
    // Pushes are held back, over HTTP and over the space socket (S29): the edit is on the device
    // only, so the status must not say Synced.
    let releasePushes!: () => void;
    const held = new Promise<void>((resolve) => (releasePushes = resolve));
    let holding = false;
    await page.routeWebSocket(/\/socket$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (holding && typeof message === 'string' && message.startsWith('{"type":"push"'))
          void held.then(() => server.send(message));
        else server.send(message);
      });
    });
    const release = (): void => {
      holding = false;
      releasePushes();
    };
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('button', { name: 'New note' }).click();
    await page.waitForURL(/\/items\//);
    await status(page).getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    holding = true;
    await page.route('**/sync/push', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Title').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Only on this device');
    // Watch every text the status shows from now until the server has the title.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenStatus: string[] }).seenStatus = seen;
      const summary = [...document.querySelectorAll('summary')].find((s) =>
        s.textContent?.includes('Sync status'),
      )!;
      seen.push(summary.textContent ?? '');
      new MutationObserver(() => seen.push(summary.textContent ?? '')).observe(summary, {
        subtree: true,
        characterData: true,
        childList: true,
      });
    });
    await status(page)
      .getByText(/Syncing|waiting/)
      .waitFor({ timeout: 15_000 });
    const onServer = async () =>
      (await serverItems(user, spaceId)).some((item) => item.fields['title']?.v === 'Only on this device');
    await expect(onServer()).resolves.toBe(false);
    const before = await page.evaluate(() => (window as unknown as { seenStatus: string[] }).seenStatus);
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((text) => text.includes('Synced'))).toEqual([]);
    release();
    await status(page).getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(onServer()).resolves.toBe(true);
    await page.unroute('**/sync/push');
    await page.unrouteAll();
  });

  it('[S24] removing a record field asks first; "Keep it" keeps it', async () => {
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('button', { name: 'New record' }).click();
    await page.waitForURL(/\/items\//);
    await page.getByLabel('Field name').fill('Phone');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel(/^Phone/).fill('555 0100');
    await page.getByRole('button', { name: 'Remove field Phone' }).click();
    await page.getByText('Remove “Phone” and its value?').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await expect(page.getByLabel(/^Phone/).inputValue()).resolves.toBe('555 0100');
    await page.getByRole('button', { name: 'Remove field Phone' }).click();
    await page.getByRole('button', { name: 'Remove field Phone for good' }).click();
    await page.getByText('No fields yet.').waitFor();
  });
});
