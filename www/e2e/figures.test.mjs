// Figures a student can read without the code (attention.js heatmap and its views, the
// fill-mask cards): a colour scale whose numbers are the drawn values' range, the axes in
// words, the model and layer/head in the caption, one Tab stop per heatmap with arrow keys
// inside, the special tokens' columns hidden with rows renormalised, cards titled by the
// mask's place, one probability format, and no stray "null" in a view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, outcome, heatRows } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const SPECIAL = /^\[[A-Z]+\]$|^<\/?s>$|^<pad>$|^<unk>$/;

async function embed(page, params) {
  await page.goto(new URL(`embed.html?${new URLSearchParams(params)}`, browser.url).href);
  assert.equal(await outcome(page, params.widget), 'ready');
}

/** What a heatmap draws: column labels, rows of cells, the legend's numbers. */
function figure(page, sel) {
  return page.$eval(sel, (w) => ({
    cols: [...w.querySelectorAll('.tl-col')].map((c) => c.textContent),
    values: [...w.querySelectorAll('.tl-cell:not(.blank)')].map((c) => Number(c.dataset.v)),
    legendMin: w.querySelector('.tl-legend-min').textContent,
    legendMax: w.querySelector('.tl-legend-max').textContent,
    dataMax: Number(w.querySelector('.tl-legend').dataset.max),
    caption: w.querySelector('figcaption').textContent,
    axes: w.querySelector('.tl-heat-axes').textContent,
    tabStops: w.querySelectorAll('.tl-heat [tabindex="0"]').length,
  }));
}

/** Every drawn row (one with a value) sums to 1. */
function assertDrawnRowsSumToOne(rows, what) {
  for (const [q, row] of rows.entries()) {
    if (row.every((c) => c.v === null)) continue;
    const s = row.reduce((a, c) => a + (c.v ?? 0), 0);
    assert.ok(Math.abs(s - 1) < 1e-4, `${what}: row ${q} sums to ${s}`);
  }
}

test('BERT attention map: special columns hidden by default, rows renormalised; legend, axes and caption; one Tab stop, arrows move', async () => {
  const page = await browser.newPage();
  const sel = 'attention-map';
  await embed(page, { widget: sel, model: 'bert', lang: 'en', text: 'The man went to the store to buy some milk.' });
  assert.equal(await page.isChecked(`${sel} .tl-hide-special`), true, 'on by default for a BERT');
  let f = await figure(page, sel);
  assert.ok(f.cols.length > 5);
  assert.deepEqual(f.cols.filter((c) => SPECIAL.test(c)), [], 'no special column drawn');
  assert.match(await page.textContent(`${sel} .tl-hidden-special`), /\[CLS\] \[SEP\]/);
  assertDrawnRowsSumToOne(await heatRows(page, sel), 'specials hidden');
  // The colour scale: 0 → the largest value drawn.
  const max = Math.max(...f.values);
  assert.equal(f.dataMax, max);
  assert.equal(f.legendMin, '0');
  assert.equal(f.legendMax, max.toFixed(3));
  assert.equal(f.axes, 'row = query (attends from), column = key (attends to)');
  assert.match(f.caption, /^Layer 1 · average of heads\. Model: tlab English MiniLM/);

  // Shown again: the special columns come back, rows still distributions, the legend follows.
  await page.uncheck(`${sel} .tl-hide-special`);
  assert.equal(await page.getAttribute(sel, 'data-specials'), 'show');
  f = await figure(page, sel);
  assert.equal(f.cols[0], '[CLS]');
  assert.equal(f.cols.at(-1), '[SEP]');
  assertDrawnRowsSumToOne(await heatRows(page, sel), 'specials shown');
  assert.equal(f.legendMax, Math.max(...f.values).toFixed(3));
  assert.equal(await page.evaluate(() => document.activeElement.className), 'tl-hide-special', 'the checkbox keeps the focus');
  await page.check(`${sel} .tl-hide-special`);

  // Keyboard: from the checkbox one Tab reaches the map's top-left cell; the map is one stop.
  assert.equal((await figure(page, sel)).tabStops, 1);
  await page.focus(`${sel} .tl-hide-special`);
  await page.keyboard.press('Tab');
  const active = () =>
    page.evaluate(() => {
      const a = document.activeElement;
      return { cls: a.className, q: a.dataset.q, k: a.dataset.k, label: a.getAttribute('aria-label'), readout: a.closest('figure')?.querySelector('.tl-readout').textContent };
    });
  let a = await active();
  assert.deepEqual([a.cls.split(' ')[0], a.q, a.k], ['tl-cell', '0', '0']);
  await page.keyboard.press('ArrowRight');
  a = await active();
  assert.deepEqual([a.q, a.k], ['0', '1']);
  assert.match(a.label, /→ .*: \d\.\d{4}$/);
  assert.equal(a.readout, a.label, 'the focused cell’s value is in the readout');
  await page.keyboard.press('ArrowDown');
  a = await active();
  assert.deepEqual([a.q, a.k], ['1', '1']);
  await page.keyboard.press('Home');
  a = await active();
  assert.deepEqual([a.cls.split(' ')[0], a.q], ['tl-row', '1'], 'Home: the row label');
  await page.keyboard.press('End');
  a = await active();
  assert.equal(Number(a.k), (await figure(page, sel)).cols.length - 1, 'End: the row’s last cell');
  assert.equal((await figure(page, sel)).tabStops, 1, 'still one Tab stop, where the focus was');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => !!document.activeElement.closest('.tl-heat')), false, 'a second Tab leaves the map');
  assert.deepEqual(page.problems, []);

  // 中文: the axes and the caption in Chinese.
  await embed(page, { widget: sel, model: 'bert', lang: 'zh', text: 'The man went to the store.', layer: '2', head: '3' });
  f = await figure(page, sel);
  assert.equal(f.axes, '行 = 查询（query，发出注意力的词元），列 = 键（key，被关注的词元）');
  assert.match(f.caption, /^第 2 层 · 注意力头 3。 模型：/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('GPT masked self-attention: [CLS] hidden on request, rows renormalised, the future still 0', async () => {
  const page = await browser.newPage();
  const sel = 'masked-self-attention';
  await embed(page, { widget: sel, lang: 'en', text: '床前明月光，' });
  assert.equal(await page.isChecked(`${sel} .tl-hide-special`), false, 'off by default for the GPT');
  assert.equal((await figure(page, sel)).cols[0], '[CLS]');
  await page.check(`${sel} .tl-hide-special`);
  const f = await figure(page, sel);
  assert.deepEqual(f.cols.filter((c) => SPECIAL.test(c)), []);
  assert.deepEqual(f.cols, ['床', '前', '明', '月', '光', '，']);
  const rows = await heatRows(page, sel);
  assert.ok(rows[0].every((c) => c.v === null), '[CLS] attends only to itself: nothing left to draw');
  assertDrawnRowsSumToOne(rows, 'GPT, [CLS] hidden');
  // Column j is token j + 1: row q may look at tokens 0…q only.
  for (const [q, row] of rows.entries()) for (const c of row) if (c.k + 1 > q) assert.ok(c.v === null || c.v === 0, `future cell ${q},${c.k}`);
  assert.match(f.caption, /layer 1 · average of heads: .* Model: tlab 唐诗 GPT-2/);
  assert.equal(f.legendMax, Math.max(...f.values).toFixed(3));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('masked self-attention writes no "null" or "undefined" (English and 中文, GPT and translation views)', async () => {
  const page = await browser.newPage();
  const sel = 'masked-self-attention';
  const views = [
    { text: '床前明月光，疑是地上霜。' },
    { direction: 'en-pt', text: 'The cat sat on the mat.' },
    { src: '/hub/test-org/marian-swish/resolve/main', text: 'The man went to the market.', reference: 'the man went to market' },
  ];
  for (const lang of ['en', 'zh']) {
    for (const v of views) {
      await embed(page, { widget: sel, lang, ...v });
      const text = await page.$eval(sel, (w) => `${w.textContent} ${[...w.querySelectorAll('input')].map((i) => i.value).join(' ')}`);
      assert.doesNotMatch(text, /\bnull\b|\bundefined\b/, `${lang} ${JSON.stringify(v)}`);
      assert.ok(text.includes(v.text), 'the input holds the text');
      assert.match(await page.textContent(`${sel} figcaption`), lang === 'en' ? /Model: / : /模型：/);
    }
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('cross-attention: the caption names the model, layer and head', async () => {
  const page = await browser.newPage();
  await embed(page, { widget: 'cross-attention', lang: 'en', text: 'The black cat sleeps.', layer: '2' });
  const f = await figure(page, 'cross-attention');
  assert.match(f.caption, /^Cross-attention: .* Layer 2 · average of heads\. Model: Bergamot tiny English → Portuguese\.$/);
  assert.equal(f.legendMax, Math.max(...f.values).toFixed(3));
  await page.close();
});

test('fill-mask cards are titled by the mask’s place ("mask 1 of 2"), probabilities as 12.3%', async () => {
  const page = await browser.newPage();
  for (const [lang, titles] of [
    ['en', ['mask 1 of 2', 'mask 2 of 2']],
    ['zh', ['第 1 个掩码，共 2 个', '第 2 个掩码，共 2 个']],
  ]) {
    await embed(page, { widget: 'bert-fill-mask', lang, text: 'The [MASK] went to the [MASK] to buy some milk.' });
    assert.deepEqual(await page.$$eval('.tl-card .tl-mask', (hs) => hs.map((x) => x.textContent)), titles);
    const nums = await page.$$eval('.tl-card li', (lis) => lis.map((li) => [Number(li.dataset.p), li.querySelector('.tl-num').textContent]));
    assert.ok(nums.length >= 10);
    for (const [p, text] of nums) assert.equal(text, `${(100 * p).toFixed(1)}%`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});
