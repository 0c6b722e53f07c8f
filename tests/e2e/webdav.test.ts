import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { dav } from '../support/dav';
import { screenshot } from './app-support';

// The desktop and the app meet: a file saved over WebDAV shows up in an open app without a
// reload (D3), and a WebDAV check-out shows in the lock manager as "alice · WebDAV" (D5). App
// passwords are made, shown once and revoked in Settings (P1, P4).

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

/** A signed-up user with a space, an app password and a signed-in page. */
async function setUp(browser: Browser, spaceName: string) {
  const user = await client.signUp();
  const { spaceId } = await client.createSpace(user.cookie, spaceName);
  const auth = { username: user.username, password: (await appPassword(baseUrl, user)).password };
  const context = await browser.newContext({ viewport: { width: 1100, height: 850 } });
  const [name, value] = user.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: baseUrl, httpOnly: true, secure: true, sameSite: 'Lax' }]);
  return { user, spaceId, auth, context, page: await context.newPage() };
}

describe('WebDAV and the app in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[D3] [D5] a file written over WebDAV appears in the open app; its WebDAV check-out shows in the lock manager', async () => {
    const { user: alice, spaceId, auth, context, page } = await setUp(browser, 'Desk');
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });

    expect((await dav(baseUrl, auth, 'PUT', '/dav/Desk/quarterly.txt', { body: 'numbers' })).status).toBe(
      201,
    );
    await page.getByText('quarterly.txt').first().waitFor({ timeout: 30_000 });

    const locked = await dav(baseUrl, auth, 'LOCK', '/dav/Desk/quarterly.txt', {
      body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
    });
    expect(locked.status).toBe(200);
    await page.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await page.getByRole('cell', { name: 'you · WebDAV', exact: true }).waitFor({ timeout: 30_000 });
    // Another member sees whose desktop has it.
    const bob = await client.addMember(alice.cookie, spaceId, 'editor');
    const bobContext = await browser.newContext({ viewport: { width: 1100, height: 850 } });
    const [name, value] = bob.cookie.split('=') as [string, string];
    await bobContext.addCookies([
      { name, value, url: baseUrl, httpOnly: true, secure: true, sameSite: 'Lax' },
    ]);
    const bobPage = await bobContext.newPage();
    await bobPage.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await bobPage
      .getByRole('cell', { name: `${alice.username} · WebDAV`, exact: true })
      .waitFor({ timeout: 30_000 });
    await screenshot(bobPage, 'webdav-lock-manager');
    await bobContext.close();
    await context.close();
  });

  it('[P1] [P4] Settings makes an app password shown once, lists it and revokes it', async () => {
    const { user: bob, context, page } = await setUp(browser, 'Bench');
    await page.goto(`${baseUrl}/settings`);
    await page.getByLabel('Name').fill('Work laptop');
    await page.getByRole('button', { name: 'Create app password' }).click();
    const secret = await page.getByLabel('The new app password').inputValue();
    expect(secret).toMatch(/^bt1_/);
    const auth = { username: bob.username, password: secret };
    expect((await dav(baseUrl, auth, 'PROPFIND', '/dav/', { headers: { depth: '1' } })).status).toBe(207);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByLabel('The new app password').count()).resolves.toBe(0);
    await page.getByRole('cell', { name: 'Work laptop', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Revoke Work laptop' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'Work laptop', exact: true }).count()).toBe(0);
    expect((await dav(baseUrl, auth, 'PROPFIND', '/dav/', { headers: { depth: '1' } })).status).toBe(401);
    await context.close();
  });

  it('[D2] folders in the app: create, open by breadcrumbs, rename, move by menu; WebDAV sees the same tree', async () => {
    const { spaceId, auth, context, page } = await setUp(browser, 'Folders');
    const list = async (path: string) =>
      (await (await dav(baseUrl, auth, 'PROPFIND', path, { headers: { depth: '1' } })).text()).match(
        /<D:href>[^<]*<\/D:href>/g,
      ) ?? [];

    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByLabel('New folder').fill('Plans');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.locator('[aria-current="location"]', { hasText: 'Plans' }).waitFor();
    await page.getByRole('button', { name: 'New note' }).click();
    await page.waitForURL(/\/items\//);
    await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => list('/dav/Folders/Plans/'), { timeout: 30_000 })
      .toContain('<D:href>/dav/Folders/Plans/Untitled%20note.md</D:href>');

    // Rename the folder: every item in it moves along.
    await page.goto(`${baseUrl}/spaces/${spaceId}?folder=Plans`);
    await page.getByRole('button', { name: 'Rename this folder' }).click();
    await page.getByLabel('Rename folder to').fill('Roadmap');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.locator('[aria-current="location"]', { hasText: 'Roadmap' }).waitFor();
    await page.getByRole('link', { name: 'Untitled note' }).waitFor();
    await expect
      .poll(() => list('/dav/Folders/Roadmap/'), { timeout: 30_000 })
      .toContain('<D:href>/dav/Folders/Roadmap/Untitled%20note.md</D:href>');

    // Move by menu, back to the top; the breadcrumb leads there.
    await page.getByRole('link', { name: 'Untitled note' }).click();
    await page.getByRole('combobox', { name: /^Folder/ }).selectOption({ label: '(top of the space)' });
    await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => list('/dav/Folders/'), { timeout: 30_000 })
      .toContain('<D:href>/dav/Folders/Untitled%20note.md</D:href>');
    await page.goto(`${baseUrl}/spaces/${spaceId}?folder=Roadmap`);
    await page.getByRole('button', { name: 'Folders', exact: true }).click();
    await page.getByRole('link', { name: 'Untitled note' }).waitFor();
    await screenshot(page, 'folders');
    await context.close();
  });
});
