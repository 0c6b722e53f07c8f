import type { Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { dav } from '../support/dav';
import { body, expectOnEveryScreen, openConflicts, openNewNote, START, waitSynced } from './together-support';

// People writing together the way they do (S37–S40): new lines at the end of one note, key by
// key, at rhythms of their own; a desktop program saving over WebDAV; an edit while someone
// deletes; an afternoon offline. tests/e2e/one-merge-point.test.ts runs them.

const baseUrl = inject('baseUrl');

/** A small seeded generator, so a failing rhythm can be run again. */
export function rhythm(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Puts the caret at the very end of the note's text. */
async function caretAtEnd(page: Page): Promise<void> {
  await body(page).evaluate((element) => {
    const textarea = element as HTMLTextAreaElement;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });
}

/**
 * Types `text` a key at a time with pauses drawn from `next` (15–105 ms), and after every key
 * checks that the editor still shows everything this person typed so far, in one piece.
 */
async function typeKeyByKey(page: Page, text: string, next: () => number): Promise<void> {
  for (let typed = 1; typed <= text.length; typed++) {
    await page.keyboard.type(text[typed - 1]!);
    const shown = await body(page).inputValue();
    expect(
      shown,
      `the editor dropped its own typing after ${JSON.stringify(text.slice(0, typed))}: ${JSON.stringify(shown)}`,
    ).toContain(text.slice(0, typed));
    await page.waitForTimeout(15 + Math.floor(next() * 90));
  }
}

/**
 * Two editors (two people, or two tabs of one) type a new line each at the end of one note at
 * once: both lines end up whole in the note on both screens, and no conflict copy is made.
 */
export async function typeNewLinesAtTheEnd(
  spaceId: string,
  pages: [Page, Page],
  seed: number,
  names: [string, string],
): Promise<void> {
  const before = await openConflicts(pages[0], spaceId);
  await openNewNote(spaceId, pages, `Lines ${seed}`);
  const lines = names.map((name) => `\nA line from ${name}, typed with rhythm ${seed}`);
  const next = rhythm(seed);
  for (const page of pages) await caretAtEnd(page);
  await Promise.all(pages.map((page, index) => typeKeyByKey(page, lines[index]!, rhythm(next() * 2 ** 32))));
  await expect
    .poll(() => Promise.all(pages.map((page) => body(page).inputValue())), { timeout: 30_000 })
    .toSatisfy(
      ([x, y]: string[]) =>
        x === y && (x === START + lines[0]! + lines[1]! || x === START + lines[1]! + lines[0]!),
    );
  for (const page of pages) await waitSynced(page);
  expect((await openConflicts(pages[0], spaceId)) - before).toBe(0);
}

/** Two people change different words of one line, one of them offline: both changes are kept. */
export async function changeDifferentWords(spaceId: string, a: Page, b: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  await openNewNote(spaceId, [a, b], 'Words');
  await a.context().setOffline(true);
  await a.getByText('Offline', { exact: true }).waitFor();
  await body(a).fill(START.replace('line two', 'row two'));
  await a.getByText('Saved', { exact: true }).waitFor();
  await body(b).fill(START.replace('line two', 'line 2'));
  await waitSynced(b);
  await a.context().setOffline(false);
  await expectOnEveryScreen([a, b], START.replace('line two', 'row 2'));
  expect((await openConflicts(a, spaceId)) - before).toBe(0);
}

/**
 * The app types a new line while a desktop program saves its copy of the note over WebDAV (a
 * change of the first line), with the `If-Match` of what it read, or without one after reading
 * it: the note holds both, on the app's screen too, and no copy is needed.
 */
export async function desktopSavesOverTyping(
  spaceId: string,
  spaceName: string,
  a: Page,
  auth: { username: string; password: string },
  withIfMatch: boolean,
): Promise<void> {
  const title = withIfMatch ? 'Desk with If-Match' : 'Desk without If-Match';
  await openNewNote(spaceId, [a], title);
  const path = `/dav/${encodeURIComponent(spaceName)}/${encodeURIComponent(title)}.md`;
  const read = await dav(baseUrl, auth, 'GET', path);
  expect(read.status).toBe(200);
  const etag = read.headers.get('etag') ?? '';
  expect(await read.text()).toBe(START);
  await caretAtEnd(a);
  await a.keyboard.type('\nline six from the app', { delay: 20 });
  await waitSynced(a);
  const saved = await dav(baseUrl, auth, 'PUT', path, {
    body: START.replace('line one', 'line one, saved on the desktop'),
    headers: withIfMatch ? { 'if-match': etag } : {},
  });
  expect(saved.status).toBe(204);
  const both = `${START.replace('line one', 'line one, saved on the desktop')}\nline six from the app`;
  await expectOnEveryScreen([a], both);
  expect(await (await dav(baseUrl, auth, 'GET', path)).text()).toBe(both);
}

/**
 * A desktop program that never read the note saves over the app's newer typing without
 * `If-Match`: the app's version is not gone, it is kept as a conflict copy both can see.
 */
export async function desktopSavesBlind(
  spaceId: string,
  spaceName: string,
  a: Page,
  blindAuth: { username: string; password: string },
): Promise<void> {
  const before = await openConflicts(a, spaceId);
  const title = 'Desk unread';
  await openNewNote(spaceId, [a], title);
  await caretAtEnd(a);
  await a.keyboard.type('\nline six from the app', { delay: 20 });
  await waitSynced(a);
  const path = `/dav/${encodeURIComponent(spaceName)}/${encodeURIComponent(title)}.md`;
  expect((await dav(baseUrl, blindAuth, 'PUT', path, { body: 'all new from a script' })).status).toBe(204);
  await expectOnEveryScreen([a], 'all new from a script');
  expect((await openConflicts(a, spaceId)) - before).toBe(1);
  await a.getByRole('article').filter({ hasText: 'line six from the app' }).first().waitFor();
}

/**
 * One person deletes a note while the other, offline, keeps writing in it: when the writer is
 * back, the note is back with their text, on both screens, not only in the trash.
 */
export async function editWhileDeleted(spaceId: string, a: Page, b: Page): Promise<void> {
  const url = await openNewNote(spaceId, [a, b], 'Doomed');
  await b.context().setOffline(true);
  await b.getByText('Offline', { exact: true }).waitFor();
  await a.getByRole('button', { name: 'Delete' }).click();
  await a.getByRole('button', { name: 'Restore' }).waitFor();
  await waitSynced(a);
  await body(b).fill(`${START}\nwritten while it was being deleted`);
  await b.getByText('Saved', { exact: true }).waitFor();
  await b.context().setOffline(false);
  await waitSynced(b);
  for (const page of [a, b]) {
    await page.goto(url);
    await expect
      .poll(() => body(page).inputValue(), { timeout: 30_000 })
      .toBe(`${START}\nwritten while it was being deleted`);
  }
  await a.goto(`${baseUrl}/spaces/${spaceId}`);
  await a.getByRole('link', { name: 'Doomed' }).first().waitFor({ timeout: 30_000 });
}

/**
 * An afternoon offline: one person types ten lines, a key at a time, while the other adds a
 * line at the top; back online, the note holds every line on both screens, with no copy.
 */
export async function tenLinesOffline(spaceId: string, a: Page, b: Page): Promise<void> {
  const before = await openConflicts(a, spaceId);
  await openNewNote(spaceId, [a, b], 'Afternoon');
  await b.context().setOffline(true);
  await b.getByText('Offline', { exact: true }).waitFor();
  await caretAtEnd(b);
  const lines = Array.from({ length: 10 }, (_, i) => `\noffline line ${i + 1}`);
  for (const line of lines) await b.keyboard.type(line, { delay: 5 });
  await b.getByText('Saved', { exact: true }).waitFor();
  await body(a).evaluate((element) => {
    const textarea = element as HTMLTextAreaElement;
    textarea.focus();
    textarea.setSelectionRange(0, 0);
  });
  await a.keyboard.type('a new first line\n', { delay: 20 });
  await waitSynced(a);
  await b.context().setOffline(false);
  await expectOnEveryScreen([a, b], `a new first line\n${START}${lines.join('')}`);
  expect((await openConflicts(a, spaceId)) - before).toBeLessThanOrEqual(1);
}
