// Shared set-up for the browser tests: the demo server on a free port (with its
// misbehaving /_test/ routes: stalled and slow downloads, HTML for a model file) and
// Debian's headless Chromium driven by playwright-core, failing on any console error or
// page error.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../serve.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
  });
  const { server, url } = await startServer({ port: 0, quiet: true, testRoutes: true });
  // Each page collects its own console errors and uncaught exceptions in page.problems.
  const watch = (page) => {
    page.problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
    return page;
  };
  return {
    url,
    newPage: async () => watch(await context.newPage()),
    close: async () => {
      await context.close();
      server.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Empties the models' Cache API storage (www/worker.js's CACHE) of this browser profile, so
 * that downloads are real. Leaves `page` on the site's bench.html. */
export async function emptyModelCache(page, siteUrl) {
  await page.goto(new URL('bench.html', siteUrl).href);
  await page.evaluate(() => caches.delete('tlab-models-v1'));
}

export function fixture(name, file = 'expected.json') {
  return JSON.parse(fs.readFileSync(path.join(repo, 'fixtures', name, file), 'utf8'));
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

/** Scrolls widget `sel` into view if it has not started: widgets load their model when they
 * come near the viewport (widgets/base.js deferStart), so a test looks at one as a reader
 * would. */
export async function reveal(page, sel) {
  await page.waitForSelector(sel, { state: 'attached' });
  await page.$eval(sel, (w) => w.dataset.state === 'waiting' && w.scrollIntoView({ block: 'center' }));
}

/** Brings every widget shown on `page` into view in turn, as a reader scrolling down the page
 * does, each until it has started (or offers its "Load model (N MB)" button: with `click`,
 * pressed). Widgets not shown (another language's) are left alone. */
export async function readThrough(page, { click = true } = {}) {
  const widgets = page.locator('.tl-widget');
  const count = await widgets.count();
  for (let i = 0; i < count; i++) {
    const w = widgets.nth(i);
    if (!(await w.isVisible())) continue;
    await w.scrollIntoViewIfNeeded();
    await w.evaluate(
      (el) =>
        new Promise((started) => {
          const check = () => (el.dataset.state !== 'waiting' || el.querySelector('.tl-load-model') ? started() : setTimeout(check, 20));
          check();
        }),
    );
    const button = w.locator('.tl-load-model');
    if (click && (await button.count())) await button.click();
  }
}

/** readThrough, then waits until every widget shown has an outcome ('ready' or 'error'; with
 * `errorText`, only an error whose message matches it counts). */
export async function allAnswered(page, { timeout = 180_000, click = true, errorText = null } = {}) {
  await readThrough(page, { click });
  await page.waitForFunction(
    (errorText) => {
      const ok = (w) => !errorText || new RegExp(errorText).test(w.querySelector('.tl-error')?.textContent);
      const ws = [...document.querySelectorAll('.tl-widget')].filter((w) => w.checkVisibility());
      return ws.length > 0 && ws.every((w) => w.dataset.state === 'ready' || (w.dataset.state === 'error' && ok(w)));
    },
    errorText?.source ?? null,
    { timeout },
  );
}

/** Waits until widget `sel` has shown an outcome after `runs` earlier ones (scrolled into
 * view first if it waits for that: reveal); returns its state. */
export async function outcome(page, sel, runs = 0) {
  await reveal(page, sel);
  await page.waitForFunction(
    ({ sel, runs }) => {
      const w = document.querySelector(sel);
      return Number(w?.dataset.runs ?? 0) > runs && w.dataset.state !== 'loading';
    },
    { sel, runs },
    { timeout: 60_000 },
  );
  return page.getAttribute(sel, 'data-state');
}

export const runs = async (page, sel) => Number((await page.getAttribute(sel, 'data-runs')) ?? 0);

/** Rows of a widget's heatmap (attention.js heatmap): [[{k, v|null}]] in row order, v the
 * number drawn (null: a blank cell). */
export function heatRows(page, selector) {
  return page.$eval(selector, (root) => {
    const rows = [];
    for (const c of root.querySelectorAll('.tl-cell')) {
      const q = Number(c.dataset.q);
      (rows[q] ??= []).push({ k: Number(c.dataset.k), v: 'blank' in c.dataset ? null : Number(c.dataset.v) });
    }
    return rows;
  });
}
