import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import {
  body,
  caretAtEndOf,
  contextFor,
  openConflicts,
  openNewNote,
  START,
  waitSynced,
} from './together-support';
import { screenshot } from './app-support';

// Two people editing one note at once, in two browser contexts, and one person in two tabs,
// against the real local server: edits of different lines combine on every screen with no
// conflict copy (S22); edits of one line keep one version in the note and the other in a
// conflict copy that both people see (S23). Each edit here lands as one write at the same
// moment; key-by-key typing at human speed is in tests/soak/concurrent-typing.soak.ts.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
describe('two people typing in one note at once', () => {
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
    ({ spaceId } = await client.createSpace(owner.cookie, 'Typing together'));
    editor = await client.addMember(owner.cookie, spaceId, 'editor');
    browser = await launchBrowser();
    contextA = await contextFor(browser, owner);
    contextB = await contextFor(browser, editor);
    a = await contextA.newPage();
    b = await contextB.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S22] both change different lines at the same moment: both lines in the note on both sides, no conflict copy', async () => {
    await openNewNote(spaceId, [a, b]);
    const mine = START.replace('line one', 'line one written by the owner');
    const theirs = START.replace('line five', 'line five written by the editor');
    await Promise.all([body(a).fill(mine), body(b).fill(theirs)]);
    const expected = START.replace('line one', 'line one written by the owner').replace(
      'line five',
      'line five written by the editor',
    );
    await expect
      .poll(() => Promise.all([a, b].map((page) => body(page).inputValue())), { timeout: 30_000 })
      .toEqual([expected, expected]);
    await waitSynced(a);
    await waitSynced(b);
    await screenshot(a, 'concurrent-notes-merged');
    for (const page of [a, b]) await expect(openConflicts(page, spaceId)).resolves.toBe(0);
  });

  it('[S22] the same offline: different lines combine when both come back', async () => {
    await openNewNote(spaceId, [a, b]);
    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await caretAtEndOf(a, 2);
    await a.keyboard.type(' (owner, offline)');
    await caretAtEndOf(b, 4);
    await b.keyboard.type(' (editor, offline)');
    await contextA.setOffline(false);
    await waitSynced(a);
    await contextB.setOffline(false);
    await waitSynced(b);
    const expected = START.replace('line two', 'line two (owner, offline)').replace(
      'line four',
      'line four (editor, offline)',
    );
    for (const page of [a, b]) {
      await expect.poll(() => body(page).inputValue(), { timeout: 30_000 }).toBe(expected);
    }
    for (const page of [a, b]) await expect(openConflicts(page, spaceId)).resolves.toBe(0);
  });

  it('[S23] overlapping edits of one line: one in the note, the other in a conflict copy on both sides', async () => {
    await openNewNote(spaceId, [a, b]);
    // The owner edits offline, so the server surely sees two writes that did not see each other.
    await contextA.setOffline(true);
    await body(a).fill(START.replace('line three', 'line three OWNER'));
    await a.getByText('Saved', { exact: true }).waitFor();
    await body(b).fill(START.replace('line three', 'line three EDITOR'));
    await waitSynced(b);
    await contextA.setOffline(false);
    await waitSynced(a);
    const versions = [
      START.replace('line three', 'line three OWNER'),
      START.replace('line three', 'line three EDITOR'),
    ];
    await expect
      .poll(async () => [await body(a).inputValue(), await body(b).inputValue()], { timeout: 30_000 })
      .toSatisfy(([x, y]) => x === y && versions.includes(String(x)));
    const kept = await body(a).inputValue();
    const other = versions.find((text) => text !== kept)!;
    for (const page of [a, b]) {
      await expect(openConflicts(page, spaceId)).resolves.toBe(1);
      const copy = page.getByRole('article');
      await expect(copy.textContent()).resolves.toContain(other.split('\n')[2]);
      // The line the two versions differ in is highlighted.
      await expect(copy.locator('mark').first().textContent()).resolves.toMatch(/line three (OWNER|EDITOR)/);
    }
    await screenshot(b, 'concurrent-notes-conflict');
    // Settled: the copy goes away everywhere.
    await a.getByRole('button', { name: 'Keep the current version' }).click();
    await a.getByText('No conflicts. Everything merged cleanly.').waitFor({ timeout: 30_000 });
  });

  it('[S22] two tabs of one person typing different lines: both lines kept in both tabs', async () => {
    const second = await contextA.newPage();
    try {
      await openNewNote(spaceId, [a, second]);
      await Promise.all([
        body(a).fill(START.replace('line one', 'line one from tab one')),
        body(second).fill(START.replace('line five', 'line five from tab two')),
      ]);
      const expected = START.replace('line one', 'line one from tab one').replace(
        'line five',
        'line five from tab two',
      );
      for (const page of [a, second]) {
        await expect.poll(() => body(page).inputValue(), { timeout: 30_000 }).toBe(expected);
      }
      await waitSynced(a);
      await expect(openConflicts(a, spaceId)).resolves.toBe(0);
    } finally {
      await second.close();
    }
  });

  it('[S26] each sees who else has the note open and who is typing in it, by name', async () => {
    const url = await openNewNote(spaceId, [a]);
    await b.goto(url);
    await b.getByText(`${owner.username} has this open.`).waitFor({ timeout: 30_000 });
    await a.getByText(`${editor.username} has this open.`).waitFor({ timeout: 30_000 });
    await caretAtEndOf(a, 1);
    await a.keyboard.type(' more');
    await b.getByText(`${owner.username} is editing.`).waitFor({ timeout: 30_000 });
    await screenshot(b, 'concurrent-notes-presence');
    await a.goto(`${baseUrl}/spaces/${spaceId}`);
    await expect.poll(() => b.getByText(new RegExp(owner.username)).count(), { timeout: 30_000 }).toBe(0);
  });
});
