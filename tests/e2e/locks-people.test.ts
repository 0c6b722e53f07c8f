import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { recordNotifications, shownNotifications } from '../support/notifications';
import {
  newNote as newNoteAt,
  screenshot,
  seriousViolations,
  signedInContext,
  waitForServiceWorkerControl,
} from './app-support';

// People around a check-out, as two people see them in Chromium against the real local server
// (docs/spec/locks.md L26–L30): asking the holder with a message, the holder's answer and
// hand-over, "notify me", a notice kept for a device that was offline, the check-in comment.
// System notifications are recorded by a wrapper around the Notification API, which the
// browser is allowed to use.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
const newNote = (page: Page, spaceId: string, title: string) => newNoteAt(page, baseUrl, spaceId, title);

/** A context signed in as `user` whose system notifications are allowed and recorded. */
async function notifyingContext(browser: Browser, user: TestUser): Promise<BrowserContext> {
  const context = await signedInContext(browser, baseUrl, user);
  await recordNotifications(context, baseUrl);
  return context;
}

const shown = (page: Page) => shownNotifications(page);

describe('people around a check-out in Chromium', () => {
  let browser: Browser;
  let ana: TestUser; // holds
  let bob: TestUser; // asks, waits, is told
  let spaceId: string;
  let a: Page;
  let b: Page;
  let contextB: BrowserContext;

  beforeAll(async () => {
    ana = await client.signUp();
    ({ spaceId } = await client.createSpace(ana.cookie, 'People e2e'));
    bob = await client.addMember(ana.cookie, spaceId, 'editor');
    browser = await launchBrowser();
    a = await (await notifyingContext(browser, ana)).newPage();
    contextB = await notifyingContext(browser, bob);
    b = await contextB.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[L26][L27] bob asks ana with a message; ana answers "5 more minutes", then hands over; bob, on another screen, is notified and holds it', async () => {
    const url = await newNote(a, spaceId, 'Logo');
    await a.getByRole('button', { name: 'Check out until I release it (Logo)' }).click();
    await a.getByText('You have this checked out until you release it.').waitFor();

    await b.goto(url);
    // The holder card: who, since, until, which front, here now, last change.
    const card = b.getByRole('definition');
    await b.getByText(`Checked out by ${ana.username}`).waitFor({ timeout: 15_000 });
    await expect(card.nth(0).textContent()).resolves.toBe(ana.username);
    await expect(card.nth(2).textContent()).resolves.toBe('released');
    await expect(card.nth(3).textContent()).resolves.toBe('the app');
    await b.getByText('yes, has it open').waitFor({ timeout: 15_000 });
    await b.getByRole('button', { name: 'Ask to release Logo' }).click();
    await b.getByLabel(`Message for ${ana.username} (optional)`).fill('I need to fix the logo before 5');
    await expect(seriousViolations(b)).resolves.toEqual([]);
    await b.getByRole('button', { name: 'Send ask for Logo' }).click();

    const ask = `${bob.username} asks you to release “Logo”: “I need to fix the logo before 5”`;
    await a.getByText(ask).waitFor({ timeout: 15_000 });
    await expect.poll(() => shown(a)).toContainEqual(expect.objectContaining({ body: ask }));
    await screenshot(a, 'locks-asked');
    await a.getByRole('button', { name: `5 more minutes for ${bob.username}` }).click();
    await b.getByText(`${ana.username} answered about “Logo”: “5 more minutes”`).waitFor({ timeout: 15_000 });

    // Bob moves on to another screen; ana hands over.
    await b.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await b.getByText('Live.').waitFor({ timeout: 15_000 });
    await a.getByRole('button', { name: `Hand over to ${bob.username} now (Logo)` }).click();
    await expect
      .poll(() => shown(b), { timeout: 15_000 })
      .toContainEqual({
        title: '“Logo” is yours',
        body: `You have “Logo” checked out now (from ${ana.username}).`,
        url: new URL(url).pathname,
      });
    await b.getByRole('button', { name: 'Release Logo' }).waitFor({ timeout: 15_000 });
    // The notification opens the item: bob holds the check-out there and can edit.
    await b.goto(url);
    await b.getByText('You have this checked out until you release it.').waitFor({ timeout: 15_000 });
    await expect(b.getByLabel('Title').isEditable()).resolves.toBe(true);
    await a.getByText(`Checked out by ${bob.username}`).waitFor({ timeout: 15_000 });

    // The lock's history records the ask, the answer and the hand-over.
    await a.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await a.getByRole('button', { name: 'Show history' }).click();
    await a.getByRole('cell', { name: 'I need to fix the logo before 5' }).waitFor();
    await a.getByRole('cell', { name: `to ${bob.username}: 5 more minutes` }).waitFor();
    await a.getByRole('cell', { name: `handed over to ${bob.username}` }).waitFor();
    await b.getByRole('button', { name: 'Release Logo' }).click();
  });

  it('[L28] "Notify me" on an item: ana releases, bob is notified once', async () => {
    const url = await newNote(a, spaceId, 'Budget');
    await a.getByRole('button', { name: 'Check out Budget' }).click();
    await a.getByText(/You have this checked out/).waitFor();
    await b.goto(url);
    await b.getByRole('button', { name: 'Notify me when Budget is free' }).click();
    await b.getByRole('button', { name: 'Notifying you when free when Budget is free' }).waitFor();
    await a.getByRole('button', { name: 'Release Budget' }).click();
    const free = {
      title: '“Budget” is free',
      body: `“Budget” is free again: ${ana.username} released it.`,
      url: new URL(url).pathname,
    };
    await expect.poll(() => shown(b), { timeout: 15_000 }).toContainEqual(free);
    await b.getByText(free.body).waitFor();
    await b.getByRole('button', { name: 'Check out Budget' }).waitFor();
    // Once: taking and releasing it again tells bob nothing more.
    await a.getByRole('button', { name: 'Check out Budget' }).click();
    await a.getByRole('button', { name: 'Release Budget' }).click();
    await b.waitForTimeout(1_000);
    expect((await shown(b)).filter((n) => n.title === free.title)).toHaveLength(1);
  });

  it('[L29] bob is offline while ana releases: he sees the notice when he is back', async () => {
    const url = await newNote(a, spaceId, 'Minutes');
    await a.getByRole('button', { name: 'Check out Minutes' }).click();
    await a.getByText(/You have this checked out/).waitFor();
    await b.goto(url);
    await b.getByRole('button', { name: 'Notify me when Minutes is free' }).click();
    await b.getByRole('button', { name: 'Notifying you when free when Minutes is free' }).waitFor();
    await contextB.setOffline(true);
    await a.getByRole('button', { name: 'Release Minutes' }).click();
    await a.getByRole('button', { name: 'Check out Minutes' }).waitFor();
    await b.waitForTimeout(1_000);
    await contextB.setOffline(false);
    const body = `“Minutes” is free again: ${ana.username} released it.`;
    await b.getByText(body).waitFor({ timeout: 15_000 });
    await expect.poll(() => shown(b)).toContainEqual(expect.objectContaining({ body }));
    expect((await shown(b)).filter((n) => n.body === body)).toHaveLength(1);
  });

  it('[L30] checking in with a comment keeps it in the lock history', async () => {
    await newNote(a, spaceId, 'Totals');
    await a.getByRole('button', { name: 'Check out Totals' }).click();
    await a.getByRole('button', { name: 'Check in with a comment (Totals)' }).click();
    await a.getByLabel('What did you do? (kept in the history)').fill('fixed the totals');
    await a.getByRole('button', { name: 'Check in Totals' }).click();
    await a.getByRole('button', { name: 'Check out Totals' }).waitFor({ timeout: 15_000 });
    await a.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await a.getByRole('button', { name: 'Show history' }).click();
    await a.getByRole('cell', { name: 'fixed the totals' }).waitFor();
    await a.getByRole('cell', { name: 'checked in' }).first().waitFor();
  });

  it('[L31] the lock list filters "mine" and "stale"; the owner sets the stale rule', async () => {
    const take = (user: TestUser, name: string) =>
      client.api(`/api/spaces/${spaceId}/locks/${encodeURIComponent(name)}/acquire`, {
        method: 'POST',
        cookie: user.cookie,
        json: { requestId: `req-${Date.now()}-${name.length}`, kind: 'checkout' },
      });
    await take(ana, 'designs/ana.psd');
    await take(bob, 'designs/bob.psd');
    await a.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await a.getByRole('rowheader', { name: 'designs/bob.psd' }).waitFor({ timeout: 15_000 });
    await a.getByLabel('Show').selectOption('mine');
    await a.getByRole('rowheader', { name: 'designs/ana.psd' }).waitFor();
    await expect(a.getByRole('rowheader', { name: 'designs/bob.psd' }).count()).resolves.toBe(0);
    await a.getByLabel('Show').selectOption('stale');
    await a.getByText('No stale check-outs.').waitFor();
    await a.getByLabel('A checkout is stale after (days without activity)').fill('3');
    await a.getByRole('button', { name: 'Save rule' }).click();
    await a.getByRole('option', { name: 'stale (no activity for 3 days)' }).waitFor({ state: 'attached' });
    await expect(seriousViolations(a)).resolves.toEqual([]);
    // Bob, an editor, reads the rule but cannot change it.
    await b.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await b
      .getByRole('option', { name: 'stale (no activity for 3 days)' })
      .waitFor({ state: 'attached', timeout: 15_000 });
    await expect(b.getByRole('button', { name: 'Save rule' }).count()).resolves.toBe(0);
  });

  it('[L32] a check-out on a copy that is behind says "Sync first", syncs, and is granted without another click', async () => {
    // Bob's device (a browser of its own: its own IndexedDB) misses ana's edits while pokes are
    // held back; its pulls are slowed so the message can be seen.
    const device = await notifyingContext(browser, bob);
    const page = await device.newPage();
    let holding = false;
    await page.routeWebSocket(/\/socket$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (!(holding && typeof message === 'string' && message.startsWith('{"type":"poke"')))
          ws.send(message);
      });
      ws.onMessage((message) => server.send(message));
    });
    await page.route('**/sync/pull**', async (route) => {
      if (holding) await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    const url = await newNote(a, spaceId, 'Forecast');
    await page.goto(url);
    await page.getByRole('button', { name: 'Check out Forecast' }).waitFor({ timeout: 15_000 });
    holding = true;
    await a.getByLabel('Title').fill('Forecast 2027');
    await a.getByLabel('Title').press('Enter');
    await a.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Check out Forecast' }).click();
    await page.getByText(/Sync first: \d+ changes? you do not have yet\./).waitFor({ timeout: 15_000 });
    await page.getByText(/You have this checked out/).waitFor({ timeout: 30_000 });
    await expect(page.getByLabel('Title').inputValue()).resolves.toBe('Forecast 2027');
    await expect(page.getByText(/Sync first/).count()).resolves.toBe(0);
    await device.close();
  });

  it('[L29] with Baton closed, the service worker shows a Web Push message as a notification that opens its page', async () => {
    // No push service is reachable here: the message is handed to the service worker as Chromium's
    // push service would (CDP), with the payload the server encrypts (tests/integration/web-push.test.ts).
    const context = await notifyingContext(browser, bob);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await waitForServiceWorkerControl(page);
    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => registrations.push(...event.registrations));
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrations.length).toBeGreaterThan(0);
    const deliver = (data: string) =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: `${new URL(baseUrl).origin}/`,
        registrationId: registrations[0]?.registrationId ?? '',
        data,
      });
    await deliver('not json');
    const url = `/spaces/${spaceId}/locks`;
    await deliver(
      JSON.stringify({
        title: '“Logo” is free',
        body: `“Logo” is free again: ${ana.username} released it.`,
        url,
        tag: 'baton-notice-1',
      }),
    );
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          url: (n.data as { url?: string } | null)?.url ?? '',
        })),
      );
    await expect
      .poll(shown)
      .toEqual([
        { title: '“Logo” is free', body: `“Logo” is free again: ${ana.username} released it.`, url },
      ]);
    await context.close();
  });
});
