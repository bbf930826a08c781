// How long a reader on a slow line waits for the lecture page (issue 13, "Weight and waiting"):
// headless Chromium, 1280 × 800, an empty cache (a fresh browser profile: no HTTP cache, no
// Cache API), and Chrome's own network throttling through the DevTools protocol
// (Network.emulateNetworkConditions: --mbit down, 40 ms latency). For lecture.html (English)
// and index.html it measures:
//   * first answer: the time from navigation until the first widget answers, i.e. shows a
//     result: it fires tlab-ready with data-state="ready" and its result element filled
//     (.tl-body, where widgets draw, or the .tl-translation line of the translation and
//     fill-mask widgets); the widget is named;
//   * before any scroll: once every widget that started has answered and nothing has been
//     downloaded for 2 s, the bytes the server has sent (headers and bodies, the page, the
//     wasm, the models) and the model folders requested so far; it checks that none of them
//     is a model that only widgets still waiting below the fold use: widgets load when they
//     come within one screen of the viewport (www/widgets/base.js), so "below the fold" here
//     is further down than that; the models fetched ahead for widgets within that next screen
//     are named;
//   * after scrolling: the page is scrolled down to every widget in turn, as a reader skims,
//     pressing "Load model (N MB)" where a widget offers it (AntiBERTy); the time until every
//     widget shown has answered (the widgets with nothing to answer until the reader acts —
//     no built-in model, or fine-tuning that waits for Train — are not counted), and the
//     total bytes.
// The numbers are printed as a table (--json: as JSON). Bytes are counted by the server, so
// they include what the worker downloads.
//
//   node tools/bench-lecture-load.mjs [--mbit 20] [--latency 40] [--pages lecture,index]
//                                     [--gzip] [--json]
// --gzip serves .wasm, .js, .json, .css and .html compressed (as a static host such as GitHub
// Pages does); the weights (.safetensors, .bin) never are.
import os from 'node:os';
import { createRequire } from 'node:module';
import { startServer } from '../www/serve.mjs';
import { CHROMIUM_ARGS } from '../www/e2e/harness.mjs';
import { arg } from './bench-common.mjs';

// playwright-core is www/'s (www/package.json).
const { chromium } = createRequire(new URL('../www/package.json', import.meta.url))('playwright-core');

const MBIT = Number(arg('--mbit', 20));
const LATENCY = Number(arg('--latency', 40));
const PAGES = arg('--pages', 'lecture,index').split(',');
const GZIP = process.argv.includes('--gzip');
const json = process.argv.includes('--json');
const TIMEOUT = 300_000;
// Widgets that answer nothing until the reader acts (no built-in model; Train).
const IDLE = ['bert-classify', 'bert-qa', 'bert-finetune'];

const URLS = { lecture: 'lecture.html?lang=en', index: 'index.html' };

const { server, url: base } = await startServer({ port: 0, quiet: true, gzip: GZIP });
const sockets = new Set();
server.on('connection', (s) => sockets.add(s));
const sent = () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
let requests = [];
server.on('request', (req, res) => {
  const r = { at: Date.now(), url: req.url };
  res.on('finish', () => (r.done = Date.now()));
  requests.push(r);
});

/** The model folders (models/<name>/…) among `list`'s requests. */
const modelsOf = (list) => [...new Set(list.map((r) => r.url.match(/^\/models\/([^/]+)\//)?.[1]).filter(Boolean))];

// In the page: the first time each widget answers, in ms since navigation (performance.now()).
function recordAnswers() {
  window.__answers = {};
  document.addEventListener('tlab-ready', (e) => {
    const w = e.target;
    const i = [...document.querySelectorAll('.tl-widget')].indexOf(w);
    const filled = w.querySelector('.tl-body')?.childElementCount > 0 || w.querySelector('.tl-translation')?.textContent.trim();
    if (w.dataset.state === 'ready' && filled && !(i in window.__answers)) {
      window.__answers[i] = performance.now();
    }
  });
}

/** The widgets now: [{i, tag, label, shown, state, model, idle}] (model: the address it loads). */
const widgets = (page) =>
  page.$$eval('.tl-widget', (ws, idle) =>
    ws.map((w, i) => ({
      i,
      tag: w.localName,
      label: `${w.localName}${w.getAttribute('model') ? `[${w.getAttribute('model')}]` : ''}${w.getAttribute('src') ? `[${w.getAttribute('src')}]` : ''}`,
      shown: w.checkVisibility(),
      state: w.dataset.state ?? '',
      model: w.plannedModel?.() ?? null,
      compare: w.getAttribute('compare'),
      idle: idle.includes(w.localName),
      inView: w.checkVisibility() && w.getBoundingClientRect().top < innerHeight && w.getBoundingClientRect().bottom > 0,
    })),
  IDLE);

/** Waits until `done()` holds and no byte has been sent for `quietMs`. */
async function settle(page, done, quietMs = 2000) {
  const t0 = Date.now();
  let last = sent();
  let since = Date.now();
  for (;;) {
    await page.waitForTimeout(250);
    const now = sent();
    if (now !== last) [last, since] = [now, Date.now()];
    if (Date.now() - since >= quietMs && (await done())) return;
    if (Date.now() - t0 > TIMEOUT) throw new Error('the page did not settle');
  }
}

const answered = (page) => page.evaluate(() => window.__answers);

async function measure(name) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } }); // a fresh profile: empty caches
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY,
      downloadThroughput: (MBIT * 1e6) / 8,
      uploadThroughput: (MBIT * 1e6) / 8,
    });
    await page.addInitScript(recordAnswers);
    requests = [];
    const bytes0 = sent();
    const t0 = Date.now();
    await page.goto(new URL(URLS[name], base).href);

    // The first answer.
    await page.waitForFunction(() => Object.keys(window.__answers).length > 0, null, { timeout: TIMEOUT });
    const first = Object.entries(await answered(page)).sort((a, b) => a[1] - b[1])[0];
    const list0 = await widgets(page);

    // Everything the page does before the reader scrolls.
    await settle(page, async () => (await widgets(page)).every((w) => !w.shown || ['ready', 'error', 'waiting'].includes(w.state)));
    const beforeScroll = {
      bytes: sent() - bytes0,
      ms: Date.now() - t0,
      models: modelsOf(requests),
      requests: requests.map((r) => `${((r.at - t0) / 1000).toFixed(1)}–${r.done ? ((r.done - t0) / 1000).toFixed(1) : '?'} s ${r.url}`),
    };
    const now = await widgets(page);
    const waiting = now.filter((w) => w.state === 'waiting');
    const started = now.filter((w) => w.state !== 'waiting');
    const folder = (u) => u?.match(/\/models\/([^/]+)\/?$/)?.[1] ?? null;
    const usedBy = (ws) => new Set(ws.flatMap((w) => [folder(w.model), w.compare ? folder(new URL(w.compare, base).href) : null]).filter(Boolean));
    const startedModels = usedBy(started);
    const belowOnly = [...usedBy(waiting)].filter((m) => !startedModels.has(m));
    // Of the models requested: those of widgets in view, and those fetched ahead for widgets
    // within the next screen (the widgets' rootMargin) only.
    const viewModels = usedBy(now.filter((w) => w.inView));
    const ahead = beforeScroll.models.filter((m) => !viewModels.has(m));
    const wrong = beforeScroll.models.filter((m) => belowOnly.includes(m));

    // The reader skims down: every widget shown comes into view, large models on a click.
    const scrollAt = Date.now();
    const clicked = [];
    const count = await page.locator('.tl-widget').count();
    for (let i = 0; i < count; i++) {
      const w = page.locator('.tl-widget').nth(i);
      if (!(await w.isVisible())) continue;
      await w.scrollIntoViewIfNeeded();
      await w.evaluate((el) => new Promise((go) => {
        const check = () => (el.dataset.state !== 'waiting' || el.querySelector('.tl-load-model') ? go() : setTimeout(check, 20));
        check();
      }));
      const button = w.locator('.tl-load-model');
      if (await button.count()) {
        clicked.push({ i, label: list0[i].label, text: await button.textContent() });
        await button.click();
      }
    }
    const expected = (await widgets(page)).filter((w) => w.shown && !w.idle);
    await page
      .waitForFunction(
        (ids) => ids.every((i) => i in window.__answers || document.querySelectorAll('.tl-widget')[i].dataset.state === 'error'),
        expected.map((w) => w.i),
        { timeout: TIMEOUT, polling: 250 },
      )
      .catch(() => {}); // those that never answer are named below
    const answers = await answered(page);
    await settle(page, async () => true, 1000);
    const final = await widgets(page);
    const failed = final.filter((w) => w.shown && !w.idle && !(w.i in answers)).map((w) => w.label);
    const heavy = new Set(clicked.map((c) => c.i));
    const times = expected.filter((w) => w.i in answers).map((w) => ({ label: w.label, ms: answers[w.i], heavy: heavy.has(w.i) }));
    const light = times.filter((t) => !t.heavy);
    return {
      page: URLS[name],
      firstAnswer: { ms: first[1], widget: list0[Number(first[0])].label },
      beforeScroll: { ...beforeScroll, waitingWidgets: waiting.filter((w) => w.shown).length, belowOnly, wrong, ahead },
      afterScroll: {
        scrolledAtMs: scrollAt - t0,
        allAnsweredMs: Math.max(...times.map((t) => t.ms)),
        allButClickedMs: light.length ? Math.max(...light.map((t) => t.ms)) : null,
        clicked,
        bytes: sent() - bytes0,
        models: modelsOf(requests),
        answered: times.length,
        failed,
      },
      perWidget: times,
      problems,
    };
  } finally {
    await browser.close();
  }
}

const results = [];
try {
  for (const name of PAGES) results.push(await measure(name));
} finally {
  server.close();
  for (const s of sockets) s.destroy();
}

if (json) {
  console.log(JSON.stringify({ mbit: MBIT, latencyMs: LATENCY, gzip: GZIP, load: os.loadavg(), results }, null, 2));
} else {
  const s = (ms) => (ms == null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  console.log(`${MBIT} Mbit/s down, ${LATENCY} ms latency (CDP), 1280 × 800, empty cache${GZIP ? ', gzip for .wasm/.js/.json' : ''}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const r of results) {
    const b = r.beforeScroll;
    const a = r.afterScroll;
    console.log(`\n${r.page}`);
    console.log('| measure | value |');
    console.log('|---|---:|');
    console.log(`| first widget answers (${r.firstAnswer.widget}) | ${s(r.firstAnswer.ms)} |`);
    console.log(`| downloaded before any scroll | ${mb(b.bytes)} |`);
    console.log(`| models requested before scrolling | ${b.models.join(', ') || 'none'}${b.ahead.length ? ` (${b.ahead.join(', ')}: for widgets within the next screen only, fetched ahead)` : ''} |`);
    console.log(`| models only below the fold (must not be requested) | ${b.belowOnly.join(', ') || 'none'} — requested: ${b.wrong.join(', ') || 'none'} |`);
    console.log(`| widgets answered before the reader scrolls | ${r.perWidget.filter((t) => t.ms < a.scrolledAtMs).length} (scroll at ${s(a.scrolledAtMs)}) |`);
    console.log(`| all widgets answered, AntiBERTy's click aside | ${s(a.allButClickedMs)} |`);
    console.log(`| all widgets answered${a.clicked.length ? ` (incl. ${a.clicked.map((c) => c.text).join(', ')})` : ''} | ${s(a.allAnsweredMs)} |`);
    console.log(`| total downloaded | ${mb(a.bytes)} (${a.models.join(', ')}) |`);
    if (a.failed.length) console.log(`| widgets that never answered | ${a.failed.join(', ')} |`);
    if (r.problems.length) console.log(`| page errors | ${r.problems.join('; ')} |`);
    console.log(`\nper widget (s since navigation): ${r.perWidget.map((t) => `${t.label} ${(t.ms / 1000).toFixed(1)}`).join(' · ')}`);
  }
}
const bad = results.filter((r) => r.beforeScroll.wrong.length || r.afterScroll.failed.length || r.problems.length);
if (bad.length) process.exitCode = 1;
