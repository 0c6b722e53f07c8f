import { readFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_PASSWORD } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { screenshot, seriousViolations } from './app-support';

const baseUrl = inject('baseUrl');
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

// A 1×1 PNG, so the file item has an image preview.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function signUp(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Or choose a password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Create with a password' }).click();
}

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

/** The note's Markdown text as the editor shows it. */
function noteText(page: Page) {
  return page.getByLabel('Text (Markdown)');
}

describe('two people share a space, check out a note in turn, and sync an offline edit', () => {
  let browser: Browser;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    contextA = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    contextB = await browser.newContext({ viewport: { width: 390, height: 844 } });
    a = await contextA.newPage();
    b = await contextB.newPage();
  });
  afterAll(async () => {
    await contextA.close();
    await contextB.close();
    await browser.close();
  });

  it('the whole story', async () => {
    // A signs up and creates a space.
    const alice = `alice-${unique()}`;
    await a.goto(`${baseUrl}/sign-up`);
    await signUp(a, alice);
    await a.getByRole('heading', { name: 'Cloud spaces' }).waitFor();
    await a.getByLabel('Name').fill('Studio');
    await a.getByRole('button', { name: 'Create space' }).click();
    await a.waitForURL(/\/spaces\/[A-Za-z0-9_-]{22}$/);
    const spaceId = new URL(a.url()).pathname.split('/')[2] ?? '';

    // A adds a note, a record and a file.
    await a.getByRole('button', { name: 'New note' }).click();
    await a.getByLabel('Title').fill('Launch plan');
    await noteText(a).fill('First draft by Alice.');
    await noteText(a).blur();
    const noteUrl = a.url();
    const noteId = new URL(noteUrl).pathname.split('/').at(-1) ?? '';
    // In-app navigation, as a person would: the page (and any save in flight) stays.
    await a.getByRole('link', { name: '← Studio' }).click();
    await a.getByRole('button', { name: 'New record' }).click();
    await a.waitForURL(/\/items\//);
    const recordUrl = a.url();
    await a.getByLabel('Title').fill('Budget');
    await a.getByLabel('Title').press('Enter');
    await a.getByLabel('Field name').fill('Amount');
    await a.getByLabel('Type').selectOption('number');
    await a.getByRole('button', { name: 'Add field' }).click();
    await a.getByLabel('Amount').fill('1200');
    await a.getByLabel('Amount').press('Enter');
    await a.getByRole('link', { name: '← Studio' }).click();
    await a
      .getByLabel('Upload files')
      .setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: PNG });
    await a.getByRole('link', { name: 'pixel.png' }).waitFor({ timeout: 30_000 });
    await a.getByRole('link', { name: 'Launch plan' }).waitFor();
    await a.getByRole('link', { name: 'Budget' }).waitFor();
    await screenshot(a, 'story-a-space');

    // A shares a link; B opens it, signs up, and lands in the space with A's items.
    await a.goto(`${baseUrl}/spaces/${spaceId}/share`);
    await a.getByLabel('Role').selectOption('editor');
    await a.getByRole('button', { name: 'Create link' }).click();
    const link = await a.getByLabel('Link (shown only now)').inputValue();
    await b.goto(link);
    await b.getByRole('link', { name: 'Create an account' }).click();
    await signUp(b, `bob-${unique()}`);
    await b.waitForURL(`${baseUrl}/spaces/${spaceId}`);
    await b.getByRole('link', { name: 'Launch plan' }).waitFor({ timeout: 30_000 });
    await b.getByRole('link', { name: 'pixel.png' }).waitFor();
    await screenshot(b, 'story-b-space-phone');
    await expectAccessible(b, 'shared space (phone)');

    // B opens the file A uploaded and previews it.
    await b.getByRole('link', { name: 'pixel.png' }).click();
    await b.getByRole('button', { name: 'Preview' }).click();
    await b.getByRole('img', { name: 'Preview of pixel.png' }).waitFor();
    await screenshot(b, 'story-b-file-phone');
    await expectAccessible(b, 'file view');
    await b.goto(`${baseUrl}/spaces/${spaceId}`);

    // A checks out the note; B sees it locked, live, and cannot edit it; B waits in line.
    await a.goto(noteUrl);
    await a.getByRole('button', { name: 'Check out Launch plan' }).click();
    await a.getByText(/You have this checked out/).waitFor();
    await b.getByRole('link', { name: 'Launch plan' }).click();
    await b.getByText(new RegExp(`Checked out by ${alice}`)).waitFor({ timeout: 15_000 });
    await expect(noteText(b).getAttribute('readonly')).resolves.not.toBeNull();
    await screenshot(b, 'story-b-checked-out-phone');
    await expectAccessible(b, 'note checked out by someone else');
    await b.getByRole('button', { name: 'Wait in line for Launch plan' }).click();
    await b.getByText('You are #1 in line').waitFor();

    // In-app navigation keeps the checkout (a reload would take it back too, L18).
    await a.getByRole('link', { name: '← Studio' }).click();
    await a.getByRole('navigation', { name: 'Space' }).getByRole('link', { name: 'Locks' }).click();
    await a.getByRole('cell', { name: 'you' }).waitFor();
    // B's place in line reaches A live.
    await expect
      .poll(
        () =>
          a
            .getByRole('row', { name: /Launch plan/ })
            .getByRole('cell')
            .nth(2)
            .textContent(),
        { timeout: 15_000 },
      )
      .toMatch(/^1 ?\(bob-/); // the count, and who waits (L17)
    await screenshot(a, 'story-a-locks');
    await expectAccessible(a, 'lock manager');

    // A releases; B is granted the note automatically and gets the editor.
    // With B in line, A's Release names who gets it next (L17).
    await a.getByRole('button', { name: new RegExp(`^Hand over to bob-.* Launch plan$`) }).click();
    await b.getByText(/You have this checked out/).waitFor({ timeout: 15_000 });
    await expect.poll(() => noteText(b).getAttribute('readonly'), { timeout: 15_000 }).toBeNull();

    // B goes offline, edits, and comes back; A sees B's edit.
    await contextB.setOffline(true);
    await noteText(b).fill('Second draft by Bob, written offline.');
    await noteText(b).blur();
    await b.getByText('Offline', { exact: true }).waitFor();
    await contextB.setOffline(false);
    await a.goto(noteUrl);
    await a.waitForFunction(
      (id) =>
        document.querySelector<HTMLTextAreaElement>('textarea')?.value ===
          'Second draft by Bob, written offline.' && id !== '',
      noteId,
      { timeout: 30_000 },
    );

    // Both rename the record offline at once (each replaces the same word, S37); after syncing,
    // the version that reached the server second is a conflict copy that A compares side by side
    // and restores.
    await a.goto(recordUrl);
    await b.goto(recordUrl);
    await a.getByLabel('Title').waitFor();
    await b.getByLabel('Title').waitFor();
    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await a.getByLabel('Title').fill('Costs (Alice)');
    await a.getByLabel('Title').press('Enter');
    await b.getByLabel('Title').fill('Spending (Bob)');
    await b.getByLabel('Title').press('Enter');
    await contextA.setOffline(false);
    await a.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await contextB.setOffline(false);
    await b.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await a.goto(`${baseUrl}/spaces/${spaceId}/conflicts`);
    const conflict = a.getByRole('article');
    await conflict.waitFor({ timeout: 30_000 });
    await expect(conflict.getByRole('row', { name: /Title/ }).textContent()).resolves.toMatch(
      /(Costs \(Alice\)|Spending \(Bob\)).*(Costs \(Alice\)|Spending \(Bob\))/,
    );
    await screenshot(a, 'story-a-conflict');
    await expectAccessible(a, 'conflicts');
    const copyTitle =
      (await conflict.getByRole('row', { name: /Title/ }).getByRole('cell').first().textContent())?.trim() ??
      '';
    await conflict.getByRole('button', { name: 'Keep the conflict copy' }).click();
    await a.getByText('No conflicts. Everything merged cleanly.').waitFor();
    await a.goto(recordUrl);
    await expect(a.getByLabel('Title').inputValue()).resolves.toBe(copyTitle);

    // The history of the space's locks shows the handover.
    await a.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await a.getByRole('button', { name: 'Show history' }).click();
    await a.getByRole('cell', { name: 'released' }).first().waitFor();
    await expect(a.getByRole('cell', { name: 'granted' }).count()).resolves.toBeGreaterThanOrEqual(2);
    await screenshot(a, 'story-a-lock-history');
    // B's tab starts afresh with nothing remembered about the space's locks (as a device that never
    // saw the lock) and still gets A's grant: the history comes from the space, not the device.
    await b.evaluate(() => {
      for (const key of Object.keys(localStorage))
        if (key.startsWith('baton.lockNames.')) localStorage.removeItem(key);
    });
    await b.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await b.getByRole('button', { name: 'Show history' }).click();
    await b
      .getByRole('row', { name: new RegExp(`Launch plan granted ${alice}`) })
      .first()
      .waitFor({ timeout: 15_000 });

    for (const [path, name] of [
      ['export', 'export'],
      ['trash', 'deleted'],
    ] as const) {
      await a.goto(`${baseUrl}/spaces/${spaceId}/${path}`);
      await a.getByRole('navigation', { name: 'Space' }).waitFor();
      await screenshot(a, `story-a-${name}`);
      await expectAccessible(a, name);
    }

    // The zip export carries the file's bytes; the records come out as CSV.
    await a.goto(`${baseUrl}/spaces/${spaceId}/export`);
    const [zipDownload] = await Promise.all([
      a.waitForEvent('download'),
      a.getByRole('button', { name: 'Export zip with files' }).click(),
    ]);
    const files = unzipSync(new Uint8Array(await readFile(await zipDownload.path())));
    const manifest = JSON.parse(strFromU8(files['space.json'] ?? new Uint8Array())) as {
      blobs: { sha256: string }[];
      items: unknown[];
    };
    expect(manifest.items.length).toBeGreaterThanOrEqual(3);
    expect(manifest.blobs).toHaveLength(1);
    expect(
      Buffer.from(files[`blobs/${manifest.blobs[0]?.sha256 ?? ''}`] ?? new Uint8Array()).equals(PNG),
    ).toBe(true);
    await a.getByRole('button', { name: 'Records as CSV' }).click();
    const [csvDownload] = await Promise.all([
      a.waitForEvent('download'),
      a.getByRole('button', { name: /^Download records-1/ }).click(),
    ]);
    const csv = await readFile(await csvDownload.path(), 'utf8');
    expect(csv).toMatch(/^id,title,Amount \(number\)\r\n/);
    expect(csv).toContain(',1200\r\n');
  });
});
