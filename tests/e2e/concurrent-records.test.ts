import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestUser } from '../support/api-client';
import { openConflicts, twoPeople, waitSynced } from './together-support';
import { screenshot } from './app-support';

// Two people typing into one record at once, key by key, in two browser contexts against the
// real local server, and one person in two tabs. Fields merge one by one (S4): different fields
// both stay, with no conflict copy; the same field keeps one value and the other person's whole
// value stays in one conflict copy both can see (S6, S7, S23); who else is typing shows by name (S26).

const baseUrl = inject('baseUrl');
const field = (page: Page, name: string) => page.getByLabel(new RegExp(`^${name}`));

/** Creates a record with the given empty text fields and opens it on every page. */
async function openNewRecord(spaceId: string, pages: Page[], names: string[]): Promise<void> {
  const [first, ...rest] = pages as [Page, ...Page[]];
  await first.goto(`${baseUrl}/spaces/${spaceId}`);
  await first.getByRole('button', { name: 'New record' }).click();
  await first.waitForURL(/\/items\//);
  await first.getByLabel('Title').fill(`Venue ${names.join(' ')}`);
  for (const name of names) {
    await first.getByLabel('Field name').fill(name);
    await first.getByRole('button', { name: 'Add field' }).click();
    await field(first, name).waitFor();
  }
  await waitSynced(first);
  for (const page of rest) {
    await page.goto(first.url());
    for (const name of names) await field(page, name).waitFor({ timeout: 30_000 });
  }
}

/** Both type at once, a key at a time, each into the field they clicked. */
async function typeAtOnce(a: Page, aField: string, aText: string, b: Page, bField: string, bText: string) {
  await field(a, aField).click();
  await field(b, bField).click();
  await Promise.all([a.keyboard.type(aText, { delay: 40 }), b.keyboard.type(bText, { delay: 50 })]);
}

const valuesOn = (pages: Page[], name: string) =>
  Promise.all(pages.map((page) => field(page, name).inputValue()));

describe('two people typing in one record at once', () => {
  let owner: TestUser;
  let spaceId: string;
  let a: Page;
  let b: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const people = await twoPeople('Records together');
    ({ owner, spaceId, a, b } = people);
    close = () => people.browser.close();
  });
  afterAll(async () => {
    await close?.();
  });

  it('[S4] different fields typed at once: both values on both screens, no conflict copy', async () => {
    await openNewRecord(spaceId, [a, b], ['City', 'Phone']);
    await typeAtOnce(a, 'City', 'Porto Alegre', b, 'Phone', '555 0100');
    await expect
      .poll(() => Promise.all([valuesOn([a, b], 'City'), valuesOn([a, b], 'Phone')]), { timeout: 30_000 })
      .toEqual([
        ['Porto Alegre', 'Porto Alegre'],
        ['555 0100', '555 0100'],
      ]);
    await waitSynced(a);
    await waitSynced(b);
    await screenshot(b, 'concurrent-records-merged');
    for (const page of [a, b]) await expect(openConflicts(page, spaceId)).resolves.toBe(0);
  });

  it('[S26] the other sees who is typing in the record, by name', async () => {
    await openNewRecord(spaceId, [a, b], ['Notes']);
    await field(a, 'Notes').click();
    await a.keyboard.type('arriving late');
    await b.getByText(`${owner.username} is editing.`).waitFor({ timeout: 30_000 });
  });

  it('[S29] with HTTP pushes blocked, what one person types still reaches the other over the socket', async () => {
    await openNewRecord(spaceId, [a, b], ['Caterer']);
    await a.route('**/sync/push', (route) => route.abort());
    try {
      await field(a, 'Caterer').click();
      await a.keyboard.type('Casa Lisboa');
      await expect.poll(() => field(b, 'Caterer').inputValue(), { timeout: 30_000 }).toBe('Casa Lisboa');
      await waitSynced(a);
    } finally {
      await a.unroute('**/sync/push');
    }
  });

  it('[S4] two tabs of one person typing different fields: both values in both tabs', async () => {
    const second = await a.context().newPage();
    try {
      await openNewRecord(spaceId, [a, second], ['Room', 'Floor']);
      await typeAtOnce(a, 'Room', 'Blue room', second, 'Floor', 'third');
      await expect
        .poll(() => Promise.all([valuesOn([a, second], 'Room'), valuesOn([a, second], 'Floor')]), {
          timeout: 30_000,
        })
        .toEqual([
          ['Blue room', 'Blue room'],
          ['third', 'third'],
        ]);
      await waitSynced(a);
      await expect(openConflicts(a, spaceId)).resolves.toBe(0);
    } finally {
      await second.close();
    }
  });

  it('[S37] the same field typed at once: both values whole in the field on both screens, no copy', async () => {
    const before = await openConflicts(a, spaceId);
    await openNewRecord(spaceId, [a, b], ['Host']);
    await typeAtOnce(a, 'Host', 'Maria Silva', b, 'Host', 'Joao Costa');
    await waitSynced(a);
    await waitSynced(b);
    await waitSynced(a);
    await expect.poll(async () => new Set(await valuesOn([a, b], 'Host')).size, { timeout: 30_000 }).toBe(1);
    const [kept = ''] = await valuesOn([a], 'Host');
    // The server merged the two (S37): each name whole, one after the other, nothing lost.
    expect(kept).toContain('Maria Silva');
    expect(kept).toContain('Joao Costa');
    expect(kept.length).toBe('Maria Silva'.length + 'Joao Costa'.length);
    for (const page of [a, b]) expect((await openConflicts(page, spaceId)) - before).toBe(0);
    await screenshot(a, 'concurrent-records-merged');
  });
});
