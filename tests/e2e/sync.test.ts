import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { screenshot, signedInContext } from './app-support';

// Sync in Chromium, two people in two browser contexts against the real local server:
// offline edits of the same field on both sides converge and leave a visible conflict copy
// (S4, S6); a lock holder whose lock was broken and taken while it was offline gets its
// offline edit back as a conflict copy (S8).

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

function title(page: Page) {
  return page.getByLabel('Title');
}

async function setTitle(page: Page, text: string): Promise<void> {
  await title(page).fill(text);
  await title(page).press('Enter');
}

async function waitSynced(page: Page): Promise<void> {
  await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
}

describe('sync between two people in Chromium', () => {
  let browser: Browser;
  let owner: TestUser;
  let editor: TestUser;
  let spaceId: string;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    owner = await client.signUp();
    ({ spaceId } = await client.createSpace(owner.cookie, 'Sync e2e'));
    editor = await client.addMember(owner.cookie, spaceId, 'editor');
    browser = await launchBrowser();
    contextA = await signedInContext(browser, baseUrl, editor);
    contextB = await signedInContext(browser, baseUrl, owner);
    a = await contextA.newPage();
    b = await contextB.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S4] [S37] both rename a note offline; both end with the same data and see the conflict copy', async () => {
    await a.goto(`${baseUrl}/spaces/${spaceId}`);
    await a.getByRole('button', { name: 'New note' }).click();
    await a.waitForURL(/\/items\//);
    const noteUrl = a.url();
    await setTitle(a, 'Agenda');
    await waitSynced(a);
    await b.goto(noteUrl);
    await expect.poll(() => title(b).inputValue(), { timeout: 30_000 }).toBe('Agenda');

    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await setTitle(a, 'Minutes by A (offline)');
    await setTitle(b, 'Notes by B (offline)');
    await a.getByText('Offline', { exact: true }).waitFor();
    await contextA.setOffline(false);
    await waitSynced(a);
    await contextB.setOffline(false);
    await waitSynced(b);

    // Both replaced the same word (S37): both converge on one title, and both list the other
    // version as a conflict copy.
    await expect
      .poll(async () => [await title(a).inputValue(), await title(b).inputValue()], { timeout: 30_000 })
      .toSatisfy(([x, y]) => x === y && /^(Minutes by A|Notes by B) \(offline\)$/.test(String(x)));
    for (const page of [a, b]) {
      await page.goto(`${baseUrl}/spaces/${spaceId}/conflicts`);
      const copy = page.getByRole('article');
      await copy.first().waitFor({ timeout: 30_000 });
      await expect(copy.count()).resolves.toBe(1);
      await expect(copy.getByRole('row', { name: /Title/ }).textContent()).resolves.toMatch(
        /Minutes by A \(offline\)[\s\S]*Notes by B \(offline\)|Notes by B \(offline\)[\s\S]*Minutes by A \(offline\)/,
      );
    }
    await screenshot(a, 'sync-conflict-copy');
  });

  it("[S37] both add to a note's title offline; both additions are kept, with no conflict copy", async () => {
    await a.goto(`${baseUrl}/spaces/${spaceId}`);
    await a.getByRole('button', { name: 'New note' }).click();
    await a.waitForURL(/\/items\//);
    const noteUrl = a.url();
    await setTitle(a, 'Plan');
    await waitSynced(a);
    await b.goto(noteUrl);
    await expect.poll(() => title(b).inputValue(), { timeout: 30_000 }).toBe('Plan');
    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await setTitle(a, 'Plan for May');
    await setTitle(b, 'Big Plan');
    await a.getByText('Offline', { exact: true }).waitFor();
    await contextA.setOffline(false);
    await waitSynced(a);
    await contextB.setOffline(false);
    await waitSynced(b);
    await expect
      .poll(async () => [await title(a).inputValue(), await title(b).inputValue()], { timeout: 30_000 })
      .toEqual(['Big Plan for May', 'Big Plan for May']);
  });

  it("[S8] a lock holder's offline edit, after the lock was broken and taken, comes back as a conflict copy", async () => {
    await a.goto(`${baseUrl}/spaces/${spaceId}`);
    await a.getByRole('button', { name: 'New note' }).click();
    await a.waitForURL(/\/items\//);
    const noteUrl = a.url();
    await setTitle(a, 'Contract');
    await waitSynced(a);
    await a.getByRole('button', { name: 'Check out Contract' }).click();
    await a.getByText(/You have this checked out/).waitFor();

    // A goes offline and keeps editing what it believes it holds.
    await contextA.setOffline(true);
    await setTitle(a, 'Contract, edited offline by the holder');

    // Meanwhile the owner breaks the lock and checks the note out.
    await b.goto(noteUrl);
    await b.getByRole('button', { name: /Break the lock on Contract/ }).click();
    await b.getByRole('button', { name: /Confirm break of the lock on Contract/ }).click();
    await b.getByRole('button', { name: 'Check out Contract' }).click();
    await b.getByText(/You have this checked out/).waitFor({ timeout: 15_000 });

    await contextA.setOffline(false);
    await waitSynced(a);
    await expect.poll(() => title(a).inputValue(), { timeout: 30_000 }).toBe('Contract');
    await a.goto(`${baseUrl}/spaces/${spaceId}/conflicts`);
    const fenced = a.getByRole('article').filter({ hasText: 'checked out by someone else' });
    await fenced.waitFor({ timeout: 30_000 });
    await expect(fenced.getByRole('row', { name: /Title/ }).textContent()).resolves.toContain(
      'Contract, edited offline by the holder',
    );
    await screenshot(a, 'sync-fenced-conflict-copy');
  });
});
