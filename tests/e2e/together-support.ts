import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { signedInContext } from './app-support';

// Helpers for tests of people editing together: a browser context per person, the sync status,
// and a shared note (S22–S26).

const baseUrl = inject('baseUrl');

/** The text every shared note starts with. */
export const START = 'line one\nline two\nline three\nline four\nline five';

/** A browser context signed in as `user`. */
export function contextFor(browser: Browser, user: TestUser): Promise<BrowserContext> {
  return signedInContext(browser, baseUrl, user);
}

/** Two people in one new space (its owner and an editor), each with a page of their own browser context. */
export async function twoPeople(spaceName: string): Promise<{
  browser: Browser;
  owner: TestUser;
  editor: TestUser;
  spaceId: string;
  a: Page;
  b: Page;
}> {
  const client = apiClient(baseUrl);
  const owner = await client.signUp();
  const { spaceId } = await client.createSpace(owner.cookie, spaceName);
  const editor = await client.addMember(owner.cookie, spaceId, 'editor');
  const browser = await launchBrowser();
  const a = await (await contextFor(browser, owner)).newPage();
  const b = await (await contextFor(browser, editor)).newPage();
  return { browser, owner, editor, spaceId, a, b };
}

/** {@link twoPeople} for the tests of one `describe`: set up before them, the browser closed after. */
export function twoPeopleForSuite(spaceName: string): Awaited<ReturnType<typeof twoPeople>> {
  const people = {} as Awaited<ReturnType<typeof twoPeople>>;
  beforeAll(async () => {
    Object.assign(people, await twoPeople(spaceName));
  });
  afterAll(async () => {
    await people.browser?.close();
  });
  return people;
}

/** Waits until every page's note text is `expected`, then until each says the server has it all. */
export async function expectOnEveryScreen(pages: Page[], expected: string): Promise<void> {
  await expect
    .poll(() => Promise.all(pages.map((page) => body(page).inputValue())), { timeout: 30_000 })
    .toEqual(pages.map(() => expected));
  for (const page of pages) await waitSynced(page);
}

/** Waits until the status line says the server has every edit. */
export async function waitSynced(page: Page): Promise<void> {
  await page.locator('summary', { hasText: 'Sync status' }).getByText('Synced', { exact: true }).waitFor({
    timeout: 30_000,
  });
}

/** The note's text box. */
export const body = (page: Page) => page.getByLabel('Text (Markdown)');

/** Creates a note titled `title` with {@link START} in the space and opens it on every page. */
export async function openNewNote(spaceId: string, pages: Page[], title = 'Plan'): Promise<string> {
  const [first, ...rest] = pages as [Page, ...Page[]];
  await first.goto(`${baseUrl}/spaces/${spaceId}`);
  await first.getByRole('button', { name: 'New note' }).click();
  await first.waitForURL(/\/items\//);
  // The app puts the caret in the new note's title once its page has loaded: wait for it, or
  // the text filled into the body meanwhile would land in the title.
  await first.waitForFunction(() => document.activeElement?.matches('main label.field input') === true);
  const url = first.url();
  await first.getByLabel('Title').fill(title);
  await body(first).fill(START);
  await waitSynced(first);
  for (const page of rest) {
    await page.goto(url);
    await expect.poll(() => body(page).inputValue(), { timeout: 30_000 }).toBe(START);
  }
  return url;
}

/**
 * Keeps the app's IndexedDB busy for `ms`: a read-write transaction over the stores an edit
 * writes, so the next edit waits behind it, as it does behind a slow disk or another tab's
 * big write. The page going away before that edit commits must not lose it.
 */
export async function keepStorageBusy(page: Page, ms: number): Promise<void> {
  await page.evaluate(
    (ms) =>
      new Promise<void>((started, failed) => {
        const open = indexedDB.open('baton');
        open.onerror = () => failed(new Error('could not open the app database'));
        open.onsuccess = () => {
          const busy = open.result.transaction(['items', 'outbox', 'syncState'], 'readwrite');
          const until = performance.now() + ms;
          const spin = (): void => {
            if (performance.now() < until) busy.objectStore('syncState').count().onsuccess = spin;
          };
          spin();
          started();
        };
      }),
    ms,
  );
}

/** Puts the caret at the end of line `line` (1-based) of the note's text. */
export async function caretAtEndOf(page: Page, line: number): Promise<void> {
  await body(page).evaluate((element, at) => {
    const textarea = element as HTMLTextAreaElement;
    const offset = textarea.value.split('\n').slice(0, at).join('\n').length;
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }, line);
}

/** Opens the space's conflicts screen once synced; answers how many copies it lists. */
export async function openConflicts(page: Page, spaceId: string): Promise<number> {
  await page.goto(`${baseUrl}/spaces/${spaceId}/conflicts`);
  await page.getByRole('heading', { name: 'Conflict copies' }).waitFor();
  await waitSynced(page);
  // The list is read from IndexedDB after the page renders: wait for it, copies or none.
  await page
    .getByRole('article')
    .first()
    .or(page.getByText('No conflicts. Everything merged cleanly.'))
    .waitFor({ timeout: 30_000 });
  return page.getByRole('article').count();
}
