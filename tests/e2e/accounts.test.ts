import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { ARTIFACTS_DIR, launchBrowser } from '../support/browser';
import { apiClient, TEST_PASSWORD } from '../support/api-client';
import { seriousViolations } from './app-support';

const baseUrl = inject('baseUrl');
const client = apiClient(baseUrl);
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** Gives the context's pages a virtual passkey authenticator (CDP), as Chromium's DevTools can. */
async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

async function signInWithPassword(page: Page, username: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Cloud spaces' }).waitFor();
}

describe('accounts in the browser', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
  });

  it('[A9] signs up with a passkey, signs out, and signs in again with the passkey alone', async () => {
    const page = await newPage();
    await addVirtualAuthenticator(page);
    const username = `pk-${unique()}`;
    await page.goto(`${baseUrl}/sign-up`);
    await page.getByLabel('Username').fill(username);
    await page.getByRole('button', { name: 'Create with a passkey' }).click();
    await page.getByRole('heading', { name: 'Cloud spaces' }).waitFor();
    await page.locator('header').getByRole('link', { name: username }).waitFor();

    await page.locator('header').getByRole('link', { name: username }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('header').getByRole('link', { name: 'Sign in', exact: true }).waitFor();

    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Cloud spaces' }).waitFor();
    await expect(page.locator('header').getByRole('link', { name: username }).isVisible()).resolves.toBe(
      true,
    );
  });

  it('[A9] a password user adds a passkey on the account page and then signs in with it', async () => {
    const user = await client.signUp(`pw-${unique()}`);
    const page = await newPage();
    await addVirtualAuthenticator(page);
    await signInWithPassword(page, user.username);
    await page.goto(`${baseUrl}/account`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added. You can now sign in with it.').waitFor();
    await expect(page.getByText('1 passkey and a password.').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('header').getByRole('link', { name: 'Sign in', exact: true }).waitFor();
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('header').getByRole('link', { name: user.username }).waitFor();
  });

  it('[A5][K2][K3] password sign-in; a second user joins through a share link and sees the space; a revoked link says so', async () => {
    // The owner: an account made over the API, signed in through the page with its password.
    const owner = await client.signUp(`owner-${unique()}`);
    const ownerPage = await newPage();
    await signInWithPassword(ownerPage, owner.username);
    const spaceName = `Garden plans ${unique()}`;
    await ownerPage.getByLabel('Name').fill(spaceName);
    await ownerPage.getByRole('button', { name: 'Create space' }).click();
    await ownerPage.waitForURL(/\/spaces\/[A-Za-z0-9_-]{22}$/);
    const spaceId = new URL(ownerPage.url()).pathname.split('/')[2] ?? '';

    await ownerPage.goto(`${baseUrl}/spaces/${spaceId}/share`);
    await ownerPage.getByLabel('Role').selectOption('editor');
    await ownerPage.getByRole('button', { name: 'Create link' }).click();
    const link = await ownerPage.getByLabel('Link (shown only now)').inputValue();
    expect(link).toMatch(new RegExp(`^${baseUrl}/join/${spaceId}\\.`));

    // The guest, in a browser context of their own, opens the link before having an account.
    const guestPage = await newPage();
    await guestPage.goto(link);
    await guestPage.getByText(`You are invited to ${spaceName} as editor.`).waitFor();
    await guestPage.getByRole('link', { name: 'Create an account' }).click();
    const guestName = `guest-${unique()}`;
    await guestPage.getByLabel('Username').fill(guestName);
    await guestPage.getByLabel('Or choose a password').fill(TEST_PASSWORD);
    await guestPage.getByRole('button', { name: 'Create with a password' }).click();
    // Signed up, back on the link, joined, and in the space.
    await guestPage.waitForURL(`${baseUrl}/spaces/${spaceId}`);
    await guestPage.goto(`${baseUrl}/spaces`);
    await guestPage.getByRole('link', { name: spaceName }).waitFor();
    await expect(guestPage.getByText('editor', { exact: true }).isVisible()).resolves.toBe(true);

    // The owner sees the guest among the members, then revokes the link.
    await ownerPage.goto(`${baseUrl}/spaces/${spaceId}/members`);
    await ownerPage.getByRole('cell', { name: guestName, exact: true }).waitFor();
    await ownerPage.goto(`${baseUrl}/spaces/${spaceId}/share`);
    await ownerPage.getByRole('button', { name: /^Revoke/ }).click();
    // Revoking asks first; nothing is revoked until confirmed.
    await expect(ownerPage.getByText('revoked', { exact: true }).count()).resolves.toBe(0);
    await ownerPage.getByRole('button', { name: /^Revoke the link/ }).click();
    await ownerPage.getByText('revoked', { exact: true }).waitFor();

    // A third person opening the revoked link is told exactly that.
    const latePage = await newPage();
    await latePage.goto(link);
    await latePage.getByRole('alert').waitFor();
    await expect(latePage.getByRole('alert').textContent()).resolves.toBe(
      'This share link has been revoked by an owner of the space.',
    );
  });

  it('the account pages have no serious accessibility problems (axe), with screenshots in test-results/', async () => {
    const owner = await client.signUp(`axe-${unique()}`);
    const { spaceId } = await client.createSpace(owner.cookie, 'Accessible space');
    const token = await client.createLink(owner.cookie, spaceId, 'viewer');
    await client.addMember(owner.cookie, spaceId, 'editor');

    const visitor = await newPage();
    for (const path of ['/sign-in', '/sign-up', `/join/${token}`]) {
      await visitor.goto(`${baseUrl}${path}`);
      await visitor.getByRole('heading', { level: 1 }).waitFor();
      if (path.startsWith('/join')) await visitor.getByText('You are invited').waitFor();
      expect(await seriousViolations(visitor), path).toEqual([]);
    }

    const page = await newPage();
    await signInWithPassword(page, owner.username);
    const checks: [string, string][] = [
      ['/spaces', 'Accessible space'],
      ['/account', 'Where you are signed in'],
      [`/spaces/${spaceId}/members`, 'Leave space'],
      [`/spaces/${spaceId}/share`, 'Links'],
    ];
    for (const [path, text] of checks) {
      await page.goto(`${baseUrl}${path}`);
      await page.locator('main').getByText(text, { exact: true }).first().waitFor();
      expect(await seriousViolations(page), path).toEqual([]);
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({
        path: `${ARTIFACTS_DIR}accounts-${path.split('/').pop()}.png`,
        fullPage: true,
      });
    }
  });
});
