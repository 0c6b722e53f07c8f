import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { newNote as newNoteAt, screenshot, seriousViolations, signedInContext } from './app-support';

// Check-outs as two people see them in Chromium, against the real local server: messages name
// people ("you", usernames) and items (titles); a reload keeps your check-out; the holder sees
// who waits and hands over; a waiter leaves the line; a break asks why and tells the loser.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
const newNote = (page: Page, spaceId: string, title: string) => newNoteAt(page, baseUrl, spaceId, title);

/** No serious or critical axe-core finding at phone and desktop widths (a screenshot of each). */
async function expectAccessibleAtBothWidths(page: Page, screen: string): Promise<void> {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 850 });
    await screenshot(page, `locks-${screen.replaceAll(' ', '-')}-${width}`);
    await expect(seriousViolations(page), `${screen} at ${width} px`).resolves.toEqual([]);
  }
  await page.setViewportSize({ width: 1100, height: 850 });
}

describe('check-outs in Chromium', () => {
  let browser: Browser;
  let owner: TestUser;
  let editor: TestUser;
  let spaceId: string;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page; // the editor
  let b: Page; // the owner

  beforeAll(async () => {
    owner = await client.signUp();
    ({ spaceId } = await client.createSpace(owner.cookie, 'Locks e2e'));
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

  it('[L18] a reload keeps your check-out: the same grant comes back and the note stays editable', async () => {
    const url = await newNote(a, spaceId, 'Budget');
    await a.getByRole('button', { name: 'Check out Budget' }).click();
    await a.getByText(/You have this checked out/).waitFor();
    // Focus stays on the lock's controls instead of falling to the top of the page.
    await expect(a.evaluate(() => document.activeElement?.textContent ?? '')).resolves.toContain('Release');
    await a.reload();
    await a.getByText(/You have this checked out \(/).waitFor({ timeout: 15_000 });
    await expect(a.getByRole('button', { name: 'Release Budget' }).isVisible()).resolves.toBe(true);
    await expect(a.getByLabel('Title').isEditable()).resolves.toBe(true);
    // The other person sees the holder by name, read-only.
    await b.goto(url);
    await b.getByText(`Checked out by ${editor.username}`).waitFor({ timeout: 15_000 });
    await a.getByRole('button', { name: 'Release Budget' }).click();
    await b.getByRole('button', { name: 'Check out Budget' }).waitFor({ timeout: 15_000 });
  });

  it('[L17] the holder sees who waits and hands over; a waiter can leave the line', async () => {
    const url = await newNote(b, spaceId, 'Roadmap');
    await b.getByRole('button', { name: 'Check out Roadmap' }).click();
    await b.getByText(/You have this checked out/).waitFor();
    await a.goto(url);
    await a.getByRole('button', { name: 'Wait in line for Roadmap' }).click();
    await a.getByText('You are #1 in line').waitFor({ timeout: 15_000 });
    await b.getByText(`1 person is waiting: ${editor.username}`).waitFor({ timeout: 15_000 });

    await a.getByRole('button', { name: 'Leave the line for Roadmap' }).click();
    await a.getByRole('button', { name: 'Wait in line for Roadmap' }).waitFor({ timeout: 15_000 });
    await b.getByRole('button', { name: 'Release Roadmap' }).waitFor({ timeout: 15_000 });
    await expect(b.getByText(/waiting:/).count()).resolves.toBe(0);

    await a.getByRole('button', { name: 'Wait in line for Roadmap' }).click();
    await b
      .getByRole('button', { name: `Hand over to ${editor.username} Roadmap` })
      .click({ timeout: 15_000 });
    await a.getByText(/You have this checked out/).waitFor({ timeout: 15_000 });
    await b.getByText(`Checked out by ${editor.username}`).waitFor({ timeout: 15_000 });
    await screenshot(b, 'locks-handed-over');
    // The lock manager with a holder and its history, at phone and desktop widths.
    await b.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await b.getByRole('button', { name: 'Show history' }).click();
    await b.getByRole('columnheader', { name: 'Token' }).waitFor();
    await expect(b.getByRole('cell', { name: 'renewed' }).count()).resolves.toBe(0);
    await expectAccessibleAtBothWidths(b, 'lock manager');
    await a.getByRole('button', { name: 'Release Roadmap' }).click();
  });

  it('[L8] breaking asks for confirmation and a reason; the person who lost it is told who and why', async () => {
    const url = await newNote(a, spaceId, 'Contract draft');
    await a.getByRole('button', { name: 'Check out Contract draft' }).click();
    await a.getByText(/You have this checked out/).waitFor();
    await b.goto(url);
    await b.getByRole('button', { name: 'Break the lock on Contract draft' }).click();
    // Nothing is broken yet: a reason is asked for first, and "Keep it" backs out.
    await b.getByRole('button', { name: 'Keep it' }).click();
    await expect(a.getByText(/You have this checked out/).isVisible()).resolves.toBe(true);
    await b.getByRole('button', { name: 'Break the lock on Contract draft' }).click();
    await b.getByLabel(`Why? (${editor.username} will be told)`).fill('the client is waiting');
    await expectAccessibleAtBothWidths(b, 'break form');
    await b.getByRole('button', { name: 'Confirm break of the lock on Contract draft' }).click();
    await a
      .getByText(`${owner.username} broke your checkout of “Contract draft”: “the client is waiting”`)
      .waitFor({ timeout: 15_000 });
    await a.getByRole('button', { name: 'Check out again Contract draft' }).waitFor();
    await screenshot(a, 'locks-broken-told');
  });

  it('[L18] a checkout that ran out offline says so naming you and the title, never an id or your own name', async () => {
    const context = await signedInContext(browser, baseUrl, editor);
    const page = await context.newPage();
    await page.clock.install();
    const url = await newNote(page, spaceId, 'Minutes');
    const itemId = new URL(url).pathname.split('/').at(-1) ?? '';
    await page.getByRole('button', { name: 'Check out Minutes' }).click();
    await page.getByText(/You have this checked out/).waitFor();
    await context.setOffline(true);
    await page.getByText(/You are offline: your checkout lapses at \d/).waitFor({ timeout: 15_000 });
    await page.clock.fastForward(61_000);
    const told = page.getByText(/Your checkout of “Minutes” ran out at .* may come back as conflict copies/);
    await told.waitFor({ timeout: 15_000 });
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Check out again Minutes' }).waitFor({ timeout: 15_000 });
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain(itemId);
    expect(text).not.toContain(`Checked out by ${editor.username}`);
    await context.close();
  });
});
