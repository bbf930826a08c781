// Weight and waiting (issue 13): a widget loads its model when it comes near the viewport
// (widgets/base.js deferStart), a large one (over 50 MB: AntiBERTy) on a click of "Load model
// (N MB)", the downloads go one at a time (widgets in view first, the smaller first), and
// the progress line counts a built-in model's bytes against its size from models/index.json.
// Checked by what the browser requests and what the widgets show; nothing here is timed
// (tools/bench-lecture-load.mjs measures the waits on a throttled line).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { emptyModelCache, launch, repo } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const index = JSON.parse(fs.readFileSync(path.join(repo, 'models/index.json'), 'utf8'));
const MB = (name) => (index[name].size / 1e6).toFixed(1);
/** A built-in BERT's tokenizer alone (what a tokenizer view loads: config.json, tokenizer.json,
 * tokenizer_config.json), in MB as the widgets write it. */
const TOKENIZER_MB = (name) =>
  (Object.entries(index[name].files).filter(([f]) => /\/(config|tokenizer|tokenizer_config)\.json$/.test(f)).reduce((a, [, b]) => a + b, 0) / 1e6).toFixed(1);

/** The model folders (models/<name>/<file>) the page and its worker request, in order. */
function watchModels(page) {
  const seen = [];
  page.on('request', (r) => {
    const m = new URL(r.url()).pathname.match(/^\/models\/([^/]+)\/[^/]+$/);
    if (m) seen.push(m[1]);
  });
  return seen;
}

// Other tests fill the models' cache: emptied, downloads are a fresh reader's.
const emptyCache = (page) => emptyModelCache(page, browser.url);

const state = (page, sel) => page.getAttribute(sel, 'data-state');
const settled = (page) =>
  page.waitForFunction(() => [...document.querySelectorAll('.tl-widget')].every((w) => ['waiting', 'ready', 'error'].includes(w.dataset.state)), null, { timeout: 120_000 });

test('index.json records each built-in model’s download size, a head’s with its base encoder’s files', () => {
  for (const [name, entry] of Object.entries(index)) {
    const sum = Object.values(entry.files).reduce((a, b) => a + b, 0);
    assert.equal(entry.size, sum, name);
    for (const [file, bytes] of Object.entries(entry.files)) assert.equal(fs.statSync(path.join(repo, 'models', file)).size, bytes, file);
  }
  assert.ok(index.antiberty.size > 50e6, 'AntiBERTy loads on a click');
  assert.ok(index['fill-mask'].size > 40e6 && index['fill-mask'].size < 50e6, 'the English encoder loads on scrolling, not on a click');
  assert.deepEqual(Object.keys(index['pos-en'].files).sort(), ['fill-mask/model.safetensors', 'fill-mask/tokenizer.json', 'fill-mask/tokenizer_config.json', 'pos-en/config.json', 'pos-en/head.safetensors']);
});

test('lecture.html: nothing below the fold downloads before the reader scrolls; scrolled to, a widget loads and answers; AntiBERTy waits for a click', async () => {
  const page = await browser.newPage();
  await emptyCache(page);
  const models = watchModels(page);
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  await page.waitForFunction(() => document.querySelector('tokenizer-view[model="translate"]').dataset.state === 'ready', null, { timeout: 120_000 });
  await settled(page);

  // In view: the two tokenizer views; their tokenizers (no weights), the smaller (the English
  // BERT's, 0.5 MB; the translation model's is 2.4 MB) first.
  const first = models.filter((m, i) => models.indexOf(m) === i);
  assert.deepEqual(first.slice(0, 2), ['fill-mask', 'translate-en-pt'], `requested: ${first.join(', ')}`);
  assert.match(await page.textContent('tokenizer-view[model="translate"] .tl-pieces'), /▁/);
  // Far below: the next-sentence head, the tagger, AntiBERTy; and the 中文 page's widgets,
  // not shown in English. None of their models was asked for.
  for (const sel of ['#masking bert-nsp', '#heads bert-tag', '#heads bert-fill-mask', '#tokens tokenizer-view.zh']) {
    assert.equal(await state(page, sel), 'waiting', sel);
  }
  for (const m of ['nsp-en', 'pos-en', 'antiberty', 'fill-mask-zh']) assert.ok(!models.includes(m), `${m} requested before scrolling (${first.join(', ')})`);

  // Scrolled to, the tagger loads its head (its encoder is the page's, downloaded already) and tags.
  await page.$eval('#heads bert-tag', (w) => w.scrollIntoView({ block: 'center' }));
  await page.waitForFunction(() => document.querySelector('#heads bert-tag').dataset.state === 'ready', null, { timeout: 120_000 });
  assert.ok(models.includes('pos-en'));
  const tags = await page.$$eval('#heads bert-tag .tl-tagged li', (lis) => lis.map((li) => li.querySelector('.tl-tag').textContent));
  assert.equal(tags.length, 10);
  assert.equal(tags[0], 'DET');

  // AntiBERTy: in view, it says its size and waits for the click; nothing downloads before.
  const ab = '#heads bert-fill-mask';
  await page.$eval(ab, (w) => w.scrollIntoView({ block: 'center' }));
  await page.waitForSelector(`${ab} .tl-load-model`);
  assert.equal(await page.textContent(`${ab} .tl-load-model`), `Load model (${MB('antiberty')} MB)`);
  assert.equal(await page.textContent(`${ab} .tl-status`), `The model (${MB('antiberty')} MB) downloads when you ask for it.`);
  await page.waitForTimeout(500);
  assert.equal(await state(page, ab), 'waiting');
  assert.ok(!models.includes('antiberty'), 'AntiBERTy is not downloaded before its click');
  assert.ok(await page.isHidden(`${ab} .tl-progress [id$="load-cancel"]`), 'no Cancel before there is a download');
  await page.click(`${ab} .tl-load-model`);
  await page.waitForFunction((s) => document.querySelector(s).dataset.state === 'ready', ab, { timeout: 180_000 });
  assert.ok(models.includes('antiberty'));
  assert.equal(await page.$$eval(`${ab} .tl-card`, (c) => c.length), 2);
  assert.equal(await page.$$eval(`${ab} .tl-load-model`, (b) => b.length), 0);

  // 中文: the Chinese widgets come into view and load the Chinese model.
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.$eval('#tokens tokenizer-view.zh', (w) => w.scrollIntoView({ block: 'center' }));
  await page.waitForFunction(() => document.querySelector('#tokens tokenizer-view.zh').dataset.state === 'ready', null, { timeout: 120_000 });
  assert.ok(models.includes('fill-mask-zh'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the progress line: the model’s size before the download, then bytes so far / size, in English and 中文', async () => {
  for (const [lang, re] of [
    ['en', new RegExp(`^Loading model… (\\d+\\.\\d) / ${MB('translate-en-pt')} MB$`)],
    ['zh', new RegExp(`^正在加载模型… (\\d+\\.\\d) / ${MB('translate-en-pt')} MB$`)],
  ]) {
    const page = await browser.newPage();
    await emptyCache(page);
    // A slow line (40 Mbit/s), so that the line can be read while the 24 MB download runs.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 5e6, uploadThroughput: 5e6 });
    // Every text the progress line shows, as it changes. (An attention map: it needs the
    // whole model; a tokenizer view loads its 2.4 MB tokenizer alone.)
    await page.addInitScript(() => {
      window.shown = [];
      new MutationObserver(() => {
        const s = document.querySelector('attention-map .tl-status');
        if (s && s.textContent !== window.shown.at(-1)) window.shown.push(s.textContent);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(new URL(`embed.html?widget=attention-map&model=translate&lang=${lang}&text=Hello`, browser.url).href);
    await page.waitForFunction(() => document.querySelector('attention-map')?.dataset.state === 'ready', null, { timeout: 120_000 });
    const shown = await page.evaluate(() => window.shown);
    const counts = shown.map((s) => s.match(re)?.[1]).filter(Boolean).map(Number);
    assert.ok(counts.length >= 3, `progress lines: ${shown.join(' | ')}`);
    assert.equal(counts[0], 0, 'the size shows before the first byte');
    assert.ok(counts.some((n) => n > 1 && n < Number(MB('translate-en-pt'))), `bytes counted as they come: ${counts.join(', ')}`);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'the count only grows');
    assert.equal(await page.isHidden('attention-map .tl-progress'), true, 'hidden once the model answers');
    await cdp.detach();
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('index.html: the fill-mask widget loads at once; the translation panel, two screens down, when scrolled to', async () => {
  const page = await browser.newPage();
  await emptyCache(page);
  const models = watchModels(page);
  await page.goto(browser.url);
  await page.waitForFunction(() => document.getElementById('fill-mask').dataset.state === 'ready', null, { timeout: 120_000 });
  await settled(page);
  assert.equal(await state(page, '#translate'), 'waiting');
  assert.ok(!models.some((m) => m.startsWith('translate-')));
  await page.$eval('#translate', (w) => w.scrollIntoView({ block: 'center' }));
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '', null, { timeout: 120_000 });
  assert.ok(models.includes('translate-en-pt'));
  assert.equal(await page.textContent('#tr-output'), 'O gato sentou-se no tapete.');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('loading="eager" starts a widget wherever it is; loading="click" waits for the button', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  await page.evaluate(async () => {
    await import('./widgets/index.js');
    const spacer = document.createElement('div');
    spacer.style.height = '5000px';
    const eager = document.createElement('tokenizer-view');
    eager.id = 'eager';
    eager.setAttribute('loading', 'eager');
    eager.setAttribute('text', 'far below');
    const lazy = document.createElement('tokenizer-view');
    lazy.id = 'lazy';
    lazy.setAttribute('text', 'far below too');
    const click = document.createElement('tokenizer-view');
    click.id = 'click';
    click.setAttribute('loading', 'click');
    click.setAttribute('text', 'at the top');
    document.body.replaceChildren(click, spacer, eager, lazy);
  });
  await page.waitForFunction(() => document.getElementById('eager').dataset.state === 'ready', null, { timeout: 120_000 });
  assert.match(await page.textContent('#eager .tl-pieces'), /far/);
  assert.equal(await state(page, '#lazy'), 'waiting');
  await page.waitForSelector('#click .tl-load-model');
  // A tokenizer view's download is its tokenizer alone.
  assert.equal(await page.textContent('#click .tl-load-model'), `Load model (${TOKENIZER_MB('fill-mask')} MB)`);
  assert.equal(await state(page, '#click'), 'waiting');
  await page.click('#click .tl-load-model');
  await page.waitForFunction(() => document.getElementById('click').dataset.state === 'ready', null, { timeout: 60_000 });
  assert.match(await page.textContent('#click .tl-pieces'), /top/);
  assert.deepEqual(page.problems, []);
  await page.close();
});
