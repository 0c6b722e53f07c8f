import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  body,
  caretAtEndOf,
  openConflicts,
  openNewNote,
  twoPeople,
  START,
  waitSynced,
} from '../e2e/together-support';
import { screenshot } from '../e2e/app-support';

// Soak: key-by-key typing at human speed. Two people typing in one note at once, in two browser contexts, and one person in two tabs,
// against the real local server: edits of different lines combine on every screen with no
// conflict copy (S22); edits of one line keep one version in the note and the other in a
// conflict copy that both people see (S23).

/** Both type at once, a key at a time, as people do. */
async function typeAtOnce(a: Page, aText: string, b: Page, bText: string): Promise<void> {
  await Promise.all([a.keyboard.type(aText, { delay: 45 }), b.keyboard.type(bText, { delay: 55 })]);
}

describe('two people typing in one note at once', () => {
  let browser: Browser;
  let spaceId: string;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    ({ browser, spaceId, a, b } = await twoPeople('Typing together'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S22] interleaved typing of different lines: both lines in the note on both sides, no conflict copy', async () => {
    await openNewNote(spaceId, [a, b]);
    await caretAtEndOf(a, 1);
    await caretAtEndOf(b, 5);
    await typeAtOnce(a, ' written by the owner', b, ' written by the editor');
    const expected = START.replace('line one', 'line one written by the owner').replace(
      'line five',
      'line five written by the editor',
    );
    await expect
      .poll(() => Promise.all([a, b].map((page) => body(page).inputValue())), { timeout: 30_000 })
      .toEqual([expected, expected]);
    await waitSynced(a);
    await waitSynced(b);
    for (const page of [a, b]) await expect(body(page).inputValue()).resolves.toBe(expected);
    await screenshot(a, 'concurrent-typing-merged');
    for (const page of [a, b]) await expect(openConflicts(page, spaceId)).resolves.toBe(0);
  });

  it('[S22] two tabs of one person typing different lines: both lines kept in both tabs', async () => {
    const second = await a.context().newPage();
    try {
      await openNewNote(spaceId, [a, second]);
      await caretAtEndOf(a, 1);
      await caretAtEndOf(second, 5);
      // Turn by turn, a word at a time: each tab types while the other's last words are landing.
      for (const [one, two] of [
        [' from', ' from'],
        [' tab', ' tab'],
        [' one', ' two'],
      ] as const) {
        await a.keyboard.type(one);
        await second.keyboard.type(two);
      }
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
  it('[S23] overlapping edits of one line: one in the note, the other in a conflict copy on both sides', async () => {
    await openNewNote(spaceId, [a, b]);
    // The owner edits offline, so the server surely sees two writes that did not see each other.
    await a.context().setOffline(true);
    await body(a).fill(START.replace('line three', 'line three OWNER'));
    await a.getByText('Saved', { exact: true }).waitFor();
    await body(b).fill(START.replace('line three', 'line three EDITOR'));
    await waitSynced(b);
    await a.context().setOffline(false);
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
    await screenshot(b, 'concurrent-typing-conflict');
    // Settled: the copy goes away everywhere.
    await a.getByRole('button', { name: 'Keep the current version' }).click();
    await a.getByText('No conflicts. Everything merged cleanly.').waitFor({ timeout: 30_000 });
  });
});
