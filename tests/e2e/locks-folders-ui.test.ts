import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { dav } from '../support/dav';
import { screenshot, signedInContext } from './app-support';
import { body, openConflicts, waitSynced } from './together-support';

// Folder check-outs between the desktop and the app (L21–L25): a WebDAV depth-infinity LOCK shows
// on the folder's view as "designs/ checked out by alice · WebDAV", an edit inside it from the app
// is fenced into a conflict copy (S8, L23), a file LOCK inside it is 423 until the folder is
// released; a folder checked out in the app blocks WebDAV saves inside it.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
const LOCKINFO =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

type Auth = { username: string; password: string };

describe('folder check-outs in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let aliceAuth: Auth;
  let bobAuth: Auth;
  let spaceId: string;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    alice = await client.signUp();
    ({ spaceId } = await client.createSpace(alice.cookie, 'Studio'));
    bob = await client.addMember(alice.cookie, spaceId, 'editor');
    aliceAuth = { username: alice.username, password: (await appPassword(baseUrl, alice)).password };
    bobAuth = { username: bob.username, password: (await appPassword(baseUrl, bob)).password };
    page = await (await signedInContext(browser, baseUrl, bob)).newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const folderView = (folder: string) =>
    page.goto(`${baseUrl}/spaces/${spaceId}?folder=${encodeURIComponent(folder)}`);

  it('[L24] [L23] a WebDAV folder check-out shows in the app; an app edit inside it becomes a conflict copy; a file LOCK inside is 423 until UNLOCK', async () => {
    expect((await dav(baseUrl, aliceAuth, 'MKCOL', '/dav/Studio/designs/')).status).toBe(201);
    expect(
      (await dav(baseUrl, aliceAuth, 'PUT', '/dav/Studio/designs/logo.svg', { body: '<svg/>' })).status,
    ).toBe(201);
    // Bob writes a note in the folder while it is free.
    await folderView('designs');
    await page.getByRole('button', { name: 'New note' }).click();
    await page.waitForURL(/\/items\//);
    await page.waitForFunction(() => document.activeElement?.matches('main label.field input') === true);
    await page.getByLabel('Title').fill('Brief');
    await body(page).fill('first draft');
    await waitSynced(page);

    // Bob goes on editing offline; meanwhile Alice checks the folder out from her desktop.
    await page.context().setOffline(true);
    const locked = await dav(baseUrl, aliceAuth, 'LOCK', '/dav/Studio/designs/', {
      headers: { depth: 'infinity', timeout: 'Second-600' },
      body: LOCKINFO,
    });
    expect(locked.status).toBe(200);
    const token = locked.headers.get('lock-token') ?? '';
    await body(page).fill('bob edits inside');
    await body(page).blur();
    // Back online, the server refuses Bob's edit (the folder is Alice's): his text is kept as a
    // conflict copy, the note shows Alice's version and is read-only, saying why.
    await page.context().setOffline(false);
    await waitSynced(page);
    await expect.poll(() => body(page).inputValue(), { timeout: 30_000 }).toBe('first draft');
    await page
      .getByRole('status')
      .filter({ hasText: `In the folder designs/, checked out by ${alice.username} · WebDAV. Read-only` })
      .waitFor({ timeout: 30_000 });
    await expect.poll(() => body(page).getAttribute('readonly'), { timeout: 30_000 }).not.toBeNull();
    expect(await openConflicts(page, spaceId)).toBeGreaterThanOrEqual(1);
    await page.getByText('a folder it is in, was checked out by someone else').first().waitFor();

    // The folder's view says who has it, and through which front.
    await folderView('designs');
    await page
      .getByRole('status')
      .filter({ hasText: `designs/ checked out by ${alice.username} · WebDAV` })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'folder-checked-out-over-webdav');
    // Nothing new can be made in it meanwhile.
    expect(await page.getByRole('button', { name: 'New note' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create folder' }).count()).toBe(0);

    // A LOCK on a file inside the folder is refused; once Alice releases the folder it is granted.
    const refused = await dav(baseUrl, bobAuth, 'LOCK', '/dav/Studio/designs/logo.svg', { body: LOCKINFO });
    expect(refused.status).toBe(423);
    const unlocked = await dav(baseUrl, aliceAuth, 'UNLOCK', '/dav/Studio/designs/', {
      headers: { 'lock-token': token },
    });
    expect(unlocked.status).toBe(204);
    const granted = await dav(baseUrl, bobAuth, 'LOCK', '/dav/Studio/designs/logo.svg', { body: LOCKINFO });
    expect(granted.status).toBe(200);
    await dav(baseUrl, bobAuth, 'UNLOCK', '/dav/Studio/designs/logo.svg', {
      headers: { 'lock-token': granted.headers.get('lock-token') ?? '' },
    });
  });

  it('[L25] a folder checked out in the app blocks a WebDAV save inside it until it is released', async () => {
    expect((await dav(baseUrl, aliceAuth, 'MKCOL', '/dav/Studio/handover/')).status).toBe(201);
    await folderView('handover');
    await page.getByRole('button', { name: /^Check out until I release it/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'handover/ checked out by you' })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'folder-checked-out-in-app');
    const refused = await dav(baseUrl, aliceAuth, 'PUT', '/dav/Studio/handover/plan.txt', { body: 'alice' });
    expect(refused.status).toBe(423);
    expect(await refused.text()).toContain(`checked out by ${bob.username}`);
    await page.getByRole('button', { name: /^Release/ }).click();
    await page.getByRole('button', { name: /^Check out until I release it/ }).waitFor();
    expect(
      (await dav(baseUrl, aliceAuth, 'PUT', '/dav/Studio/handover/plan.txt', { body: 'alice' })).status,
    ).toBe(201);
  });
});
