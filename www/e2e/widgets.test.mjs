// The demo page's features as widget attributes, in headless Chromium, through embed.html
// (which copies only documented attributes): click-a-word-to-mask (controls), the n-best
// list of the translate widget, the model picker (picker), the lecture's compact look
// without them, and a host page theming the widgets through their colour properties.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, fixture, outcome, runs } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** embed.html with widget `params`, once the widget has shown its first outcome. */
async function open(params) {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams(params)}`, browser.url).href);
  page.firstState = await outcome(page, params.widget);
  return page;
}


test('bert-fill-mask controls: clicking a word masks it and fills it, clicking again restores it', async () => {
  const page = await open({ widget: 'bert-fill-mask', controls: '', text: 'The dog went to the store.' });
  const w = 'bert-fill-mask';
  assert.equal(page.firstState, 'error', 'no mask in the text: an error in words');
  assert.match(await page.textContent(`${w} .tl-error`), /no \[MASK\] to fill/);
  assert.equal(await page.$$eval('.tl-embed-note', (n) => n.length), 0, 'controls is a documented attribute');
  let n = await runs(page, w);
  await page.click(`${w} .tl-word:has-text("dog")`);
  assert.equal(await page.inputValue(`${w} .tl-input-text`), 'The [MASK] went to the store.');
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.isHidden(`${w} .tl-error`), true);
  assert.equal(await page.$$eval(`${w} .tl-card li`, (l) => l.length), 5);
  assert.match(await page.textContent(`${w} .tl-word.masked`), /^\[MASK\]$/);
  assert.match(await page.textContent(`${w} .tl-controls .tl-muted`), /^\d+ ms$/, 'the time the model took');
  // Top-k from the widget's own menu.
  n = await runs(page, w);
  await page.selectOption(`${w} .tl-controls select`, '10');
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.getAttribute(w, 'top-k'), '10');
  assert.equal(await page.$$eval(`${w} .tl-card li`, (l) => l.length), 10);
  n = await runs(page, w);
  await page.click(`${w} .tl-word.masked`);
  assert.equal(await page.inputValue(`${w} .tl-input-text`), 'The dog went to the store.');
  assert.equal(await outcome(page, w, n), 'error');
  // A language switch builds the form again in 中文 and keeps what was typed.
  await page.fill(`${w} .tl-input-text`, 'A [MASK] typed but not yet run');
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.match(await page.textContent(`${w} .tl-field label`), /^句子/);
  assert.equal(await page.inputValue(`${w} .tl-input-text`), 'A [MASK] typed but not yet run');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('seq2seq-translate shows the n-best list with scores, best first; controls refuse a bad width in words', async () => {
  const text = 'Good morning, how did you sleep?';
  const page = await open({ widget: 'seq2seq-translate', beam: '4', alpha: '0.6', text });
  const w = 'seq2seq-translate';
  assert.equal(page.firstState, 'ready');
  const rows = await page.$$eval(`${w} .tl-nbest tbody tr`, (trs) =>
    trs.map((tr) => ({ text: tr.children[1].textContent, score: Number(tr.children[2].textContent), logp: Number(tr.children[3].textContent) })),
  );
  assert.equal(rows.length, 4);
  assert.equal(rows[0].text, await page.textContent(`${w} .tl-translation`));
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score >= rows[i].score, 'sorted by score');
  for (const r of rows) assert.ok(r.logp < 0 && Number.isFinite(r.score));
  // The same widget with its controls: the width and α fields start from the attributes.
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: w, controls: '', beam: '3', text })}`, browser.url).href);
  assert.equal(await outcome(page, w), 'ready');
  assert.equal(await page.$$eval(`${w} .tl-nbest tbody tr`, (r) => r.length), 3);
  assert.equal(await page.isChecked(`${w} input[type=radio][value="beam"]`), true);
  let n = await runs(page, w);
  await page.fill(`${w} input[type=number] >> nth=0`, '9');
  await page.click(`${w} button.tl-primary`);
  assert.equal(await outcome(page, w, n), 'error');
  assert.match(await page.textContent(`${w} .tl-error`), /beam width must be a whole number from 2 to 8 \(it is “9”\)/);
  assert.equal(await page.isEnabled(`${w} button.tl-primary`), true, 'never left busy');
  n = await runs(page, w);
  await page.check(`${w} input[type=radio][value="greedy"]`);
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.$$eval(`${w} .tl-nbest`, (t) => t.length), 0, 'greedy: no n-best list');
  // The direction turns the translation around.
  const out = await page.textContent(`${w} .tl-translation`);
  n = await runs(page, w);
  await page.check(`${w} input[type=radio][value="pt-en"]`);
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.inputValue(`${w} .tl-input-text`), out);
  assert.equal(await page.getAttribute(w, 'direction'), 'pt-en');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('bert-fill-mask picker: the model picker in a widget, loading a model by URL prefix', async () => {
  const page = await open({ widget: 'bert-fill-mask', picker: '', text: 'The man went to the [MASK].' });
  const w = 'bert-fill-mask';
  assert.equal(page.firstState, 'ready');
  assert.match(await page.textContent(`${w} .tl-picker summary`), /^Model: built in: .+ \d+ layers/);
  assert.equal(await page.$$eval('.tl-embed-note', (n) => n.length), 0, 'picker is a documented attribute');
  const expected = fixture('bert-relu').cases[0];
  await page.click(`${w} .tl-picker summary`);
  await page.fill(`${w} .tl-input-url`, new URL('hub/someone/bert-relu/resolve/main', browser.url).href);
  const n = await runs(page, w);
  await page.click(`${w} button:has-text("Load from URL")`);
  assert.equal(await outcome(page, w, n), 'ready');
  assert.match(await page.textContent(`${w} .tl-picker summary`), /3 layers/);
  assert.equal(await page.$eval(`${w} .tl-card li`, (li) => li.dataset.id), String(expected.top5_ids[0][0]));
  assert.equal(await page.isHidden(`${w} .tl-progress`), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the lecture keeps its compact widgets: no picker, no controls, no word buttons', async () => {
  const page = await open({ widget: 'bert-fill-mask', text: 'The man went to the [MASK].' });
  assert.equal(page.firstState, 'ready');
  const parts = await page.$$eval('bert-fill-mask :is(.tl-picker, .tl-controls, .tl-words, button)', (e) => e.length);
  assert.equal(parts, 0);
  assert.equal(await page.$$eval('bert-fill-mask .tl-card', (c) => c.length), 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a host page themes the widgets through their colour properties, from any sheet and on one widget', async () => {
  const page = await open({ widget: 'bert-fill-mask', text: 'The man went to the [MASK].' });
  assert.equal(page.firstState, 'ready');
  const colours = () =>
    page.evaluate(() => {
      const w = document.querySelector('bert-fill-mask');
      return {
        bar: getComputedStyle(w.querySelector('.tl-bar span')).backgroundColor,
        mask: getComputedStyle(w.querySelector('.tl-card h3')).color,
        frame: getComputedStyle(w).borderTopColor,
      };
    });
  assert.deepEqual(await colours(), { bar: 'rgb(36, 87, 197)', mask: 'rgb(179, 70, 27)', frame: 'rgb(217, 221, 230)' });
  // Rules in embed.css, the host's own sheet, which comes before widgets.css: they still win.
  await page.evaluate(() => {
    const sheet = [...document.styleSheets].find((s) => s.href?.endsWith('/embed.css'));
    sheet.insertRule('html { --tl-accent: rgb(200, 0, 0); --tl-line: rgb(0, 0, 200); }', sheet.cssRules.length);
    sheet.insertRule('bert-fill-mask { --tl-mark: rgb(0, 128, 0); }', sheet.cssRules.length);
  });
  assert.deepEqual(await colours(), { bar: 'rgb(200, 0, 0)', mask: 'rgb(0, 128, 0)', frame: 'rgb(0, 0, 200)' });
  assert.deepEqual(page.problems, []);
  await page.close();
});
