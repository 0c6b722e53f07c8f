import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appPassword } from '../support/api-client';
import {
  changeDifferentWords,
  desktopSavesBlind,
  desktopSavesOverTyping,
  editWhileDeleted,
  tenLinesOffline,
  typeNewLinesAtTheEnd,
} from './merge-scenarios';
import { twoPeopleForSuite } from './together-support';
import { launchBrowser } from '../support/browser';
import type { Browser } from 'playwright-core';

// The one merge point (docs/spec/sync.md S36–S40) as people meet it: typing together at the end
// of a note, a desktop saving over WebDAV, an edit while someone deletes, an afternoon offline.

const baseUrl = inject('baseUrl');

describe('one merge point, as people write together', () => {
  const people = twoPeopleForSuite('Together');

  for (const seed of [1, 2, 3]) {
    it(`[S37][S39] two people type new lines at the end of one note at once (rhythm ${seed}): both lines whole, no copy`, async () => {
      await typeNewLinesAtTheEnd(people.spaceId, [people.a, people.b], seed, ['the owner', 'the editor']);
    });
  }

  it('[S37][S39] one person types new lines at the end of one note in two tabs at once: both lines whole, no copy', async () => {
    const second = await people.a.context().newPage();
    try {
      await typeNewLinesAtTheEnd(people.spaceId, [people.a, second], 7, ['tab one', 'tab two']);
    } finally {
      await second.close();
    }
  });

  it('[S37] two people change different words of one line: both changes kept', async () => {
    await changeDifferentWords(people.spaceId, people.a, people.b);
  });

  it('[S38] a note deleted while someone else edits it offline comes back with their text', async () => {
    await editWhileDeleted(people.spaceId, people.a, people.b);
  });

  it('[S37][S39] ten lines typed offline while someone adds a line at the top: every line, no copy', async () => {
    await tenLinesOffline(people.spaceId, people.a, people.b);
  });

  it('[S37][D24] a desktop save over newer app typing, with If-Match and without: nothing gone from view', async () => {
    const auth = {
      username: people.owner.username,
      password: (await appPassword(baseUrl, people.owner)).password,
    };
    await desktopSavesOverTyping(people.spaceId, 'Together', people.a, auth, true);
    await desktopSavesOverTyping(people.spaceId, 'Together', people.a, auth, false);
    const blind = {
      username: people.owner.username,
      password: (await appPassword(baseUrl, people.owner)).password,
    };
    await desktopSavesBlind(people.spaceId, 'Together', people.a, blind);
  });
});

describe('a cloud space signed out', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[S40] its address says "Sign in to open this space" and offers nothing to create', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/spaces/someoneElsesSpace01`);
    await page.getByRole('heading', { name: 'Sign in to open this space' }).waitFor({ timeout: 30_000 });
    for (const name of ['New note', 'New record'])
      await expect(page.getByRole('button', { name }).count()).resolves.toBe(0);
    await expect(page.getByText('Upload files').count()).resolves.toBe(0);
    await expect(page.getByText('Synced', { exact: true }).count()).resolves.toBe(0);
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/sign-in\?next=/);
  });
});
