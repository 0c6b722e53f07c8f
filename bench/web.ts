/**
 * `npm run bench:web`: how light the app is. Builds the web app, then measures
 * - the JavaScript the first screen loads: every script Chromium fetches when it opens `/`
 *   (the entry, its static imports and anything loaded at start), gzip-compressed (level 9);
 *   also the static part alone (the entry and its modulepreload links);
 * - Lighthouse 13 scores (performance, accessibility, best practices) of the built app served
 *   by a local `wrangler dev`, with Debian's Chromium, Lighthouse's default mobile emulation.
 * Writes bench/results/web.json and prints a table. Lighthouse scores are the median of RUNS runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch as launchChrome } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchBrowser } from '../tests/support/browser';
import { startLocalServer } from '../tests/support/local-server';
import { median } from './measure';

const ROOT = new URL('../', import.meta.url).pathname;
const DIST = join(ROOT, 'web/dist');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const TARGET_KB = 70;

const gzipKb = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length / 1024;
// Median of the runs that produced a score (a run fails when, say, the page did not load).
const medianScore = (values: number[]) => median(values.filter((value) => Number.isFinite(value)));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function build(): void {
  execFileSync(
    join(ROOT, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'error'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
}

/** The entry script and its modulepreload links, from the built index.html. */
function staticInitialJs(): { files: string[]; kb: number } {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((match) => match[1] ?? '');
  const kb = files.reduce((sum, file) => sum + gzipKb(readFileSync(join(DIST, file))), 0);
  return { files, kb };
}

/** Every script the browser fetches when it opens the first screen (service worker excluded). */
async function loadedInitialJs(baseUrl: string): Promise<{ files: string[]; kb: number }> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const files = new Set<string>();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.resourceType() === 'script' || url.pathname.endsWith('.js')) {
        if (!url.pathname.startsWith('/sw') && !url.pathname.includes('workbox-')) files.add(url.pathname);
      }
    });
    await page.goto(baseUrl, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'On this device' }).waitFor();
    await page.waitForTimeout(500);
    const list = [...files].sort();
    const kb = list.reduce((sum, file) => sum + gzipKb(readFileSync(join(DIST, file))), 0);
    return { files: list, kb };
  } finally {
    await browser.close();
  }
}

interface Scores {
  performance: number;
  accessibility: number;
  bestPractices: number;
  /** Audits that lost points, with their display values: where to look next. */
  weak: Record<string, string>;
}

async function lighthouseScores(url: string): Promise<Scores> {
  const chrome = await launchChrome({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    });
    const categories = result?.lhr.categories;
    const score = (key: string) => Math.round((categories?.[key]?.score ?? NaN) * 100);
    const weak: Record<string, string> = {};
    for (const audit of Object.values(result?.lhr.audits ?? {})) {
      if (audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== 'informative') {
        weak[audit.id] = audit.displayValue ?? String(audit.score);
      }
    }
    return {
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      weak,
    };
  } finally {
    chrome.kill();
  }
}

async function main(): Promise<void> {
  build();
  const fromHtml = staticInitialJs();
  const server = await startLocalServer();
  try {
    const loaded = await loadedInitialJs(server.baseUrl);
    const runs: Scores[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await lighthouseScores(`${server.baseUrl}/`));
    const results = {
      initial_js_gzip_kb: round(loaded.kb),
      initial_js_static_gzip_kb: round(fromHtml.kb),
      initial_js_files: loaded.files,
      target_initial_js_gzip_kb: TARGET_KB,
      lighthouse_performance: medianScore(runs.map((r) => r.performance)),
      lighthouse_accessibility: medianScore(runs.map((r) => r.accessibility)),
      lighthouse_best_practices: medianScore(runs.map((r) => r.bestPractices)),
      lighthouse_runs: runs,
      lighthouse_version: '13',
      chromium: CHROMIUM_PATH,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/web.json'), JSON.stringify(results, null, 2) + '\n');
    console.table({
      'initial JS, gzip KB (loaded by the first screen)': {
        value: results.initial_js_gzip_kb,
        target: `<= ${TARGET_KB}`,
      },
      'initial JS, gzip KB (entry + modulepreload)': { value: results.initial_js_static_gzip_kb, target: '' },
      'Lighthouse performance': { value: results.lighthouse_performance, target: '>= 95' },
      'Lighthouse accessibility': { value: results.lighthouse_accessibility, target: '>= 95' },
      'Lighthouse best practices': { value: results.lighthouse_best_practices, target: '>= 95' },
    });
  } finally {
    await server.stop();
  }
}

await main();
