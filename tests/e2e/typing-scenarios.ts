import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  body,
  caretAtEndOf,
  expectOnEveryScreen,
  keepStorageBusy,
  openConflicts,
  openNewNote,
  START,
  waitSynced,
} from './together-support';

// Key-by-key typing at human speed in one note, against the real local server: two people in
// two browser contexts, and one person in two tabs (S22, S23, S37, S39). Each scenario opens a
// new note, so the e2e test runs each once and the soak (tests/soak/) runs them many times.

let overlaps = 0;

/** Copies of notes other than the ones a scenario made are not its business: it counts its own. */
async function copiesOf(page: Page, spaceId: string, before: number): Promise<number> {
  return (await openConflicts(page, spaceId)) - before;
}

/**
 * Two people type different lines at once, a key at a time: both lines end up in the note on
 * both screens and no conflict copy is left.
 */
export async function typeDifferentLines(spaceId: string, a: Page, b: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  await openNewNote(spaceId, [a, b]);
  await caretAtEndOf(a, 1);
  await caretAtEndOf(b, 5);
  await Promise.all([
    a.keyboard.type(' written by the owner', { delay: 45 }),
    b.keyboard.type(' written by the editor', { delay: 55 }),
  ]);
  const expected = START.replace('line one', 'line one written by the owner').replace(
    'line five',
    'line five written by the editor',
  );
  await expectOnEveryScreen([a, b], expected);
  for (const page of [a, b]) await expect(body(page).inputValue()).resolves.toBe(expected);
  for (const page of [a, b]) await expect(copiesOf(page, spaceId, before)).resolves.toBe(0);
}

/**
 * Two people type different lines at once; the owner's last keys wait behind a busy IndexedDB
 * and they reload 50 ms after the last one while the editor is still typing: after the reload
 * both lines are in the note on both screens, and no conflict copy is left (S34).
 */
export async function reloadWhileTypingTogether(spaceId: string, a: Page, b: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  await openNewNote(spaceId, [a, b]);
  await caretAtEndOf(a, 2);
  await caretAtEndOf(b, 4);
  const editorTyping = b.keyboard.type(' typed by the editor meanwhile', { delay: 55 });
  await a.keyboard.type(' kept over', { delay: 45 });
  await keepStorageBusy(a, 2_000);
  await a.keyboard.type(' a reload', { delay: 45 });
  await a.waitForTimeout(50);
  await a.reload();
  await editorTyping;
  const expected = START.replace('line two', 'line two kept over a reload').replace(
    'line four',
    'line four typed by the editor meanwhile',
  );
  await expectOnEveryScreen([a, b], expected);
  for (const page of [a, b]) await expect(copiesOf(page, spaceId, before)).resolves.toBe(0);
}

/** One person types different lines in two tabs, turn by turn: both lines stay in both tabs. */
export async function typeInTwoTabs(spaceId: string, a: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  const second = await a.context().newPage();
  try {
    await openNewNote(spaceId, [a, second]);
    await caretAtEndOf(a, 1);
    await caretAtEndOf(second, 5);
    // A word at a time: each tab types while the other's last words are landing.
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
    await expectOnEveryScreen([a, second], expected);
    await expect(copiesOf(a, spaceId, before)).resolves.toBe(0);
  } finally {
    await second.close();
  }
}

/**
 * Both change one line, the owner offline: the note keeps one version and the other is in a
 * conflict copy both see, with the differing line highlighted. Settles the copy at the end.
 */
export async function overlapOneLineOffline(spaceId: string, a: Page, b: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  // Words of this run only, so that the copy is told apart from those of earlier runs.
  const run = ++overlaps;
  // Both replace the same word (S37): a true overlap, not two additions at one place.
  const versions = [
    START.replace('line three', `line OWNER-${run}`),
    START.replace('line three', `line EDITOR-${run}`),
  ];
  await openNewNote(spaceId, [a, b]);
  // The owner edits offline, so the server surely sees two writes that did not see each other.
  await a.context().setOffline(true);
  await body(a).fill(versions[0]!);
  await a.getByText('Saved', { exact: true }).waitFor();
  await body(b).fill(versions[1]!);
  await waitSynced(b);
  await a.context().setOffline(false);
  await waitSynced(a);
  await expect
    .poll(async () => [await body(a).inputValue(), await body(b).inputValue()], { timeout: 30_000 })
    .toSatisfy(([x, y]) => x === y && versions.includes(String(x)));
  const kept = await body(a).inputValue();
  const other = versions.find((text) => text !== kept)!;
  for (const page of [a, b]) {
    await expect(copiesOf(page, spaceId, before)).resolves.toBe(1);
    const copy = copyOf(page, other);
    await expect(copy.count()).resolves.toBe(1);
    // The line the two versions differ in is highlighted.
    await expect(copy.locator('mark').first().textContent()).resolves.toMatch(/line (OWNER|EDITOR)-\d+/);
  }
  // Settled on one side: the copy goes away on both.
  await copyOf(a, other).getByRole('button', { name: 'Keep the current version' }).click();
  await expect.poll(() => copyOf(a, other).count(), { timeout: 30_000 }).toBe(0);
  await waitSynced(a);
  await expect.poll(() => copiesOf(b, spaceId, before), { timeout: 30_000 }).toBe(0);
}

/** The conflicts screen's entry holding `text`'s third line. */
function copyOf(page: Page, text: string) {
  return page.getByRole('article').filter({ hasText: text.split('\n')[2]! });
}
