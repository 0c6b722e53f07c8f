import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword, type TestUser } from '../support/api-client';
import { launchBrowser } from '../support/browser';
import { GitUser, gitRoot, lfsUrl } from '../support/git-lfs';
import { screenshot, signedInContext } from './app-support';

// The app's lock manager in Chromium follows what the real git-lfs client does, live: a lock
// taken with `git lfs lock` shows as "alice · Git LFS" with no time limit, leaves on unlock and
// on an owner's force-unlock; a check-out "until I release it" in the app is a lock for git.

const client = apiClient(inject('baseUrl'));
const baseUrl = client.baseUrl;

/** The lock manager's row of `path`, showing `text`. */
function row(page: Page, path: string, text: string) {
  return page.getByRole('row').filter({ hasText: path }).filter({ hasText: text });
}

describe('the app shows Git LFS locks live', { timeout: 180_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let owner: TestUser;
  let spaceId: string;
  let alice: GitUser;
  let bob: GitUser;
  let boss: GitUser;
  let root: string;

  beforeAll(async () => {
    owner = await client.signUp();
    ({ spaceId } = await client.createSpace(owner.cookie, 'Game art'));
    const a = await client.addMember(owner.cookie, spaceId, 'editor');
    const b = await client.addMember(owner.cookie, spaceId, 'editor');
    root = gitRoot();
    alice = new GitUser(a, (await appPassword(baseUrl, a, { name: 'git' })).password, baseUrl, root);
    bob = new GitUser(b, (await appPassword(baseUrl, b, { name: 'git' })).password, baseUrl, root);
    boss = new GitUser(owner, (await appPassword(baseUrl, owner, { name: 'git' })).password, baseUrl, root);
    for (const person of [alice, bob, boss]) await person.ok(root, 'lfs', 'install', '--skip-repo');
    const remote = join(root, 'remote.git');
    await alice.ok(root, 'init', '--bare', remote);
    await alice.ok(root, 'clone', '-q', remote, join(root, 'a'));
    const repo = join(root, 'a');
    writeFileSync(join(repo, '.gitattributes'), '*.psd filter=lfs diff=lfs merge=lfs -text lockable\n');
    writeFileSync(join(repo, '.lfsconfig'), `[lfs]\n\turl = ${lfsUrl(baseUrl, spaceId)}\n`);
    mkdirSync(join(repo, 'art'));
    writeFileSync(join(repo, 'art/a.psd'), randomBytes(50_000));
    await alice.ok(repo, 'add', '.');
    await alice.ok(repo, 'commit', '-q', '-m', 'art');
    await alice.ok(repo, 'push', '-q', 'origin', 'main');
    for (const [person, dir] of [
      [bob, 'b'],
      [boss, 'owner'],
    ] as const)
      await person.ok(root, 'clone', '-q', remote, join(root, dir));
    browser = await launchBrowser();
    context = await signedInContext(browser, baseUrl, owner);
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('[G6][L20] the space page gives the git config line to copy', async () => {
    await page.goto(`${baseUrl}/spaces/${spaceId}`);
    await page.getByText('Git LFS', { exact: true }).click();
    const line = page.getByLabel('Git LFS setup command');
    expect(await line.textContent()).toBe(`git config lfs.url ${baseUrl}/lfs/${spaceId}`);
  });

  it('[G6][G9][L19][L20] git lock, unlock, lock by another and force-unlock show in the lock manager as they happen', async () => {
    await page.goto(`${baseUrl}/spaces/${spaceId}/locks`);
    await page.getByText('Live.').waitFor();
    await alice.ok(join(root, 'a'), 'lfs', 'lock', 'art/a.psd');
    const aliceRow = row(page, 'art/a.psd', `${alice.user.username} · Git LFS`);
    await aliceRow.waitFor();
    expect(await aliceRow.getByLabel('time left').textContent()).toBe('until released');
    await screenshot(page, 'git-lfs-locked');

    await alice.ok(join(root, 'a'), 'lfs', 'unlock', 'art/a.psd');
    await aliceRow.waitFor({ state: 'detached' });
    await bob.ok(join(root, 'b'), 'lfs', 'lock', 'art/a.psd');
    const bobRow = row(page, 'art/a.psd', `${bob.user.username} · Git LFS`);
    await bobRow.waitFor();
    await boss.ok(join(root, 'owner'), 'lfs', 'unlock', '--force', 'art/a.psd');
    await bobRow.waitFor({ state: 'detached' });
    await page.getByText('Nothing is checked out.').waitFor();
  });

  it('[L19][G8] a check-out until I release it, taken in the app, is a lock git sees and honours', async () => {
    await page.getByLabel('Lock a path').fill('art/a.psd');
    await page.getByRole('button', { name: 'Check out until I release it' }).click();
    const mine = row(page, 'art/a.psd', 'you');
    await mine.waitFor();
    expect(await mine.getByLabel('time left').textContent()).toBe('until released');
    const listed = await bob.ok(join(root, 'b'), 'lfs', 'locks');
    expect(listed.stdout).toContain(owner.username);
    const taken = await bob.git(join(root, 'b'), 'lfs', 'lock', 'art/a.psd');
    expect(taken.code).not.toBe(0);
    expect(taken.output).toContain(owner.username);
    // A reload forgets the tab's state; the check-out is still the owner's to release.
    await page.reload();
    await mine.getByRole('button', { name: /^Release/ }).click();
    await mine.waitFor({ state: 'detached' });
    expect((await bob.ok(join(root, 'b'), 'lfs', 'locks')).stdout.trim()).toBe('');
  });
});
