import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatStamp } from '#shared/sync/hlc';
import { apiClient, appPassword } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { dav } from '../support/dav';
import { screenshot, signedInContext } from './app-support';
import { body, waitSynced } from './together-support';

// An item's History (V1–V8) in Chromium: edits made in the app and over WebDAV are listed with
// their authors and fronts, one passage comes back, and the restore is undone.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

const edits = (page: Page) => page.getByRole('article');

describe('History in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[V1] [V4] [V6] [V7] edits from the app and WebDAV are listed by author and front; one passage comes back and the restore is undone', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Offers');
    const bob = await client.addMember(alice.cookie, spaceId, 'editor');
    const auth = { username: bob.username, password: (await appPassword(baseUrl, bob)).password };
    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('button', { name: 'New note' }).click();
    await page.waitForURL(/\/items\//);
    await page.waitForFunction(() => document.activeElement?.matches('main label.field input') === true);
    const noteUrl = page.url();
    await page.getByLabel('Title').fill('Offer');
    await body(page).fill('Dear client,\nPrice: 100\nThanks\nRegards\n');
    await waitSynced(page);

    // Bob saves twice from his desktop; Alice then types once more in the app.
    for (const text of [
      'Dear client,\nPrice: 250\nThanks\nRegards\n',
      'Dear client,\nPrice: 250\nThanks\nKind regards\n',
    ]) {
      expect((await dav(baseUrl, auth, 'PUT', '/dav/Offers/Offer.md', { body: text })).status).toBe(204);
    }
    await expect.poll(() => body(page).inputValue(), { timeout: 30_000 }).toContain('Kind regards');
    await body(page).fill('Dear client,\nPrice: 250\nThanks\nKind regards\nAlice\n');
    await waitSynced(page);

    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History of “Offer”' }).waitFor();
    await expect.poll(() => edits(page).count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings[0]).toContain(`${alice.username}`);
    expect(headings[0]).toContain('in the app');
    expect(headings[1]).toContain(`${bob.username}`);
    expect(headings[1]).toContain('over WebDAV');
    expect(headings[2]).toContain('over WebDAV');

    // Alice's last edit before Bob's saves, compared with now: the price and the ending changed.
    const beforeBob = headings.findLastIndex((heading) => heading.includes('over WebDAV')) + 1;
    const oldest = edits(page).nth(beforeBob);
    await oldest.getByRole('button', { name: 'Compare with now' }).click();
    const comparison = oldest.getByRole('group', { name: 'This body compared with now' });
    await expect
      .poll(() => comparison.locator('ins, del').allInnerTexts())
      .toEqual(expect.arrayContaining(['100', '250']));
    await screenshot(page, 'history-compare');
    await comparison.getByRole('button', { name: 'Restore this passage' }).first().click();
    await page.getByText('Restored the passage.').waitFor();
    await page.getByRole('link', { name: /Back to/ }).click();
    await expect
      .poll(() => body(page).inputValue(), { timeout: 30_000 })
      .toBe('Dear client,\nPrice: 100\nThanks\nKind regards\nAlice\n');

    // The restore is an edit of its own, and undoing it brings the text back.
    await page.goBack();
    await page
      .getByText(/by a restore/)
      .first()
      .waitFor({ timeout: 30_000 });
    await edits(page).first().getByRole('button', { name: 'Undo this edit' }).click();
    await page.getByText('Undone.').waitFor();
    await page.getByRole('link', { name: /Back to/ }).click();
    await expect
      .poll(() => body(page).inputValue(), { timeout: 30_000 })
      .toBe('Dear client,\nPrice: 250\nThanks\nKind regards\nAlice\n');
    await page.goto(noteUrl);
    await context.close();
  });

  it('[V11] [V12] [V14] a folder of three files deleted over WebDAV comes back whole from the Deleted tab; the space page shows what history takes', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Desk');
    const auth = { username: alice.username, password: (await appPassword(baseUrl, alice)).password };
    expect((await dav(baseUrl, auth, 'MKCOL', '/dav/Desk/Plans')).status).toBe(201);
    for (const name of ['one.txt', 'two.txt', 'three.txt'])
      expect((await dav(baseUrl, auth, 'PUT', `/dav/Desk/Plans/${name}`, { body: name })).status).toBe(201);
    expect((await dav(baseUrl, auth, 'DELETE', '/dav/Desk/Plans')).status).toBe(204);

    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}/trash`);
    const together = page.getByRole('region', { name: 'Deleted together' });
    await together.getByText('Folder “Plans”').waitFor({ timeout: 30_000 });
    await screenshot(page, 'history-deleted-folder');
    await together.getByRole('button', { name: 'Bring back the folder' }).click();
    await page.getByText('Brought back 3 of 3 from the folder “Plans”.').waitFor();
    await page.goto(`${baseUrl}/spaces/${spaceId}?folder=Plans`);
    for (const name of ['one.txt', 'two.txt', 'three.txt'])
      await page.getByText(name).first().waitFor({ timeout: 30_000 });
    // The space page says how much history takes, and its owner can shorten the window (V14).
    await page.locator('summary', { hasText: 'History' }).click();
    await page.getByText(/versions kept/).waitFor();
    await page.getByLabel('Keep every version for').fill('7');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved; applied at the next daily thinning.').waitFor();
    const listing = await dav(baseUrl, auth, 'PROPFIND', '/dav/Desk/Plans/', { headers: { depth: '1' } });
    expect(listing.status).toBe(207);
    expect(await listing.text()).toContain('three.txt');
    await context.close();
  });

  it('[V16] [V17] an owner previews a rewind of the space to a moment and applies it', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Shelf');
    const auth = { username: alice.username, password: (await appPassword(baseUrl, alice)).password };
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Shelf/kept.txt', { body: 'good' })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const moment = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Shelf/kept.txt', { body: 'broken' })).status).toBe(204);
    expect((await dav(baseUrl, auth, 'PUT', '/dav/Shelf/stray.txt', { body: 'stray' })).status).toBe(201);

    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('link', { name: 'Rewind' }).click();
    const local = await page.evaluate((at) => {
      const date = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
      return date.toISOString().slice(0, 19);
    }, moment);
    await page.getByLabel('Back to').fill(local);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Changed since — goes back: 1' }).waitFor();
    await page.getByRole('heading', { name: 'Made since — goes to Deleted: 1' }).waitFor();
    await page.getByRole('link', { name: '“stray.txt”' }).waitFor();
    await screenshot(page, 'history-rewind-preview');
    await page.getByRole('button', { name: 'Rewind now' }).click();
    await page.getByText(/Rewound 2 items/).waitFor();
    expect(await (await dav(baseUrl, auth, 'GET', '/dav/Shelf/kept.txt')).text()).toBe('good');
    expect((await dav(baseUrl, auth, 'GET', '/dav/Shelf/stray.txt')).status).toBe(404);
    await context.close();
  });

  it('[V23] the Rewind screen charts the edits per hour; picking a bar picks its moment', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Charted');
    const auth = { username: alice.username, password: (await appPassword(baseUrl, alice)).password };
    for (const name of ['one', 'two', 'three'])
      expect((await dav(baseUrl, auth, 'PUT', `/dav/Charted/${name}.txt`, { body: name })).status).toBe(201);
    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('link', { name: 'Rewind' }).click();
    const chart = page.getByRole('group', { name: 'Edits per hour' });
    await expect
      .poll(() => chart.getByRole('button').count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(48);
    const busy = chart.getByRole('button', { name: /: 3 edits$/ });
    await busy.waitFor();
    await screenshot(page, 'history-rewind-chart');
    await busy.click();
    const hourStart = await page.evaluate(() => {
      const at = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const date = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
      return date.toISOString().slice(0, 19);
    });
    // The input leaves out seconds that are 0.
    expect((await page.getByLabel('Back to').inputValue()).slice(0, 16)).toBe(hourStart.slice(0, 16));
    await context.close();
  });

  it('[V24] a version made under a check-out says who had it checked out', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Contracts');
    const pushOne = async (set: Record<string, { v: string; b: string | null }>, lock?: object) => {
      const stamp = formatStamp({ wall: Date.now(), counter: 0, node: 'aliceslaptop' });
      const res = await client.api(`/api/spaces/${spaceId}/sync/push`, {
        method: 'POST',
        cookie: alice.cookie,
        json: {
          clientId: 'aliceslaptop',
          mutations: [
            {
              id: `m-${stamp}`.replace(/[^A-Za-z0-9_-]/g, '-'),
              itemId: 'contract-1',
              kind: 'note',
              stamp,
              set,
              ...(lock ? { lock } : {}),
            },
          ],
        },
      });
      expect(res.status).toBe(200);
      return stamp;
    };
    const first = await pushOne({ title: { v: 'Contract', b: null }, body: { v: 'draft', b: null } });
    const acquired = await client.api(`/api/spaces/${spaceId}/locks/contract-1/acquire`, {
      method: 'POST',
      cookie: alice.cookie,
      json: { requestId: 'checkout-contract-1', kind: 'checkout' },
    });
    const { token } = (await acquired.json()) as { token: number };
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pushOne({ body: { v: 'signed', b: first } }, { name: 'contract-1', token });
    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}/items/contract-1/history`);
    await page.getByText(`Made while ${alice.username} had it checked out.`).waitFor();
    expect(await page.getByText(/had it checked out/).count()).toBe(1);
    await screenshot(page, 'history-checkout');
    await context.close();
  });

  it('[V6] one field of a record comes back from its History, the other fields keep their values', async () => {
    const alice = await client.signUp();
    const { spaceId } = await client.createSpace(alice.cookie, 'Clients');
    const context = await signedInContext(browser, baseUrl, alice);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByRole('button', { name: 'New record' }).click();
    await page.waitForURL(/\/items\//);
    for (const name of ['City', 'Phone']) {
      await page.getByLabel('Field name').fill(name);
      await page.getByRole('button', { name: 'Add field' }).click();
      await page.getByLabel(new RegExp(`^${name}`)).waitFor();
    }
    const setField = async (name: string, value: string) => {
      await page.getByLabel(new RegExp(`^${name}`)).fill(value);
      await page.getByText('Saved', { exact: true }).waitFor();
      await waitSynced(page);
    };
    await setField('City', 'Porto');
    await setField('City', 'Lisbon');
    await setField('Phone', '200');
    await page.getByRole('link', { name: 'History' }).click();
    const porto = edits(page)
      .filter({ has: page.getByRole('cell', { name: 'Porto', exact: true }) })
      .last();
    await porto.getByRole('button', { name: 'Restore this field' }).first().click();
    await screenshot(page, 'history-record');
    await page.getByText('Restored the field City.').waitFor();
    await page.getByRole('link', { name: /Back to/ }).click();
    await expect.poll(() => page.getByLabel(/^City/).inputValue(), { timeout: 30_000 }).toBe('Porto');
    expect(await page.getByLabel(/^Phone/).inputValue()).toBe('200');
    await context.close();
  });
});
