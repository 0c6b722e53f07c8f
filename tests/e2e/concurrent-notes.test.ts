import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type TestUser } from '../support/api-client';
import {
  body,
  caretAtEndOf,
  expectOnEveryScreen,
  openConflicts,
  openNewNote,
  twoPeople,
  START,
  waitSynced,
} from './together-support';
import { screenshot } from './app-support';

// Two people editing one note at once, in two browser contexts, and one person in two tabs,
// against the real local server: edits of different lines combine on every screen with no
// conflict copy (S22); who else is there shows by name (S26). Each edit here lands as one write
// at the same moment. Key-by-key typing at human speed, and one line edited by both (S23), are in
// tests/e2e/typing-together.test.ts.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;
describe('two people typing in one note at once', () => {
  let browser: Browser;
  let owner: TestUser;
  let editor: TestUser;
  let spaceId: string;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    ({ browser, owner, editor, spaceId, a, b } = await twoPeople('Typing together'));
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
    await expectOnEveryScreen([a, b], expected);
    await screenshot(a, 'concurrent-notes-merged');
    for (const page of [a, b]) await expect(openConflicts(page, spaceId)).resolves.toBe(0);
  });

  it('[S22] the same offline: different lines combine when both come back', async () => {
    await openNewNote(spaceId, [a, b]);
    await a.context().setOffline(true);
    await b.context().setOffline(true);
    await caretAtEndOf(a, 2);
    await a.keyboard.type(' (owner, offline)');
    await caretAtEndOf(b, 4);
    await b.keyboard.type(' (editor, offline)');
    await a.context().setOffline(false);
    await waitSynced(a);
    await b.context().setOffline(false);
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

  it('[S22] two tabs of one person typing different lines: both lines kept in both tabs', async () => {
    const second = await a.context().newPage();
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
