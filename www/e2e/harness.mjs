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

export function fixture(name, file = 'expected.json') {
  return JSON.parse(fs.readFileSync(path.join(repo, 'fixtures', name, file), 'utf8'));
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

/** Waits until widget `sel` has shown an outcome after `runs` earlier ones; returns its state. */
export async function outcome(page, sel, runs = 0) {
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
