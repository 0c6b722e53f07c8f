import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR } from '../support/browser';

const require = createRequire(import.meta.url);

let source: string | undefined;
function axeSource(): string {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return source;
}

/** One axe-core finding, trimmed to what a failure message needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core inside the page and answers the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // The app's CSP refuses injected <script> tags (addScriptTag); DevTools evaluation is not
  // subject to it, so axe runs in the page with the real policy in force.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource());
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
      }));
  });
}

/** Saves a full-page screenshot under test-results/ for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** A browser context signed in as `user` (the session cookie set for `baseUrl`). */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  user: { cookie: string },
  viewport = { width: 1100, height: 850 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  const [name = '', value = ''] = user.cookie.split(/=(.*)/s);
  await context.addCookies([{ name, value, url: baseUrl, httpOnly: true, secure: true, sameSite: 'Lax' }]);
  return context;
}

/** Waits until the service worker is activated and controls the page (offline tests need its cache). */
export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
  });
}

/** Makes a note titled `title` in the space (from its page) and answers the note's URL. */
export async function newNote(page: Page, baseUrl: string, spaceId: string, title: string): Promise<string> {
  await page.goto(`${baseUrl}/spaces/${spaceId}`);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.waitForURL(/\/items\//);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Title').press('Enter');
  await page.getByText('Synced', { exact: true }).waitFor({ timeout: 30_000 });
  return page.url();
}
