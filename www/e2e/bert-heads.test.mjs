// The fine-tuned BERT widgets in headless Chromium, checked against what transformers computed
// for the test checkpoints (fixtures/bert-head-*/expected.json, served by the hub stand-in):
// <bert-classify> (softmax and multi-label sigmoids, one sentence and pairs), <bert-nsp>,
// <bert-tag> (a label per word), <bert-qa> (answer, offsets, score and the two probability
// vectors). The pytorch_model.bin + vocab.txt layout loads in the page (the worker falls back
// from tokenizer.json and model.safetensors without a console error). Bad input and a model
// without the needed head are refused in words and the widget keeps working; the built-in
// part-of-speech tagger answers; 中文; embed.html copies only the documented attributes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, fixture, repo, outcome, runs } from './harness.mjs';

const TOL = 1e-4;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const hub = (name) => `/hub/test-org/${name}/resolve/main`;


/** embed.html with widget `params`, once the widget has shown its first outcome. */
async function open(params) {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams(params)}`, browser.url).href);
  page.firstState = await outcome(page, params.widget);
  return page;
}

/** Sets attributes of widget `sel` (one run) and returns the state it ends in. */
async function runWith(page, sel, attrs) {
  const n = await runs(page, sel);
  await page.$eval(sel, (w, attrs) => w.setAttrs(attrs), attrs);
  return outcome(page, sel, n);
}

/** Loads URL prefix `prefix` through the widget's model box; returns the state once the
 * widget has run on the new model, or once the load failed (with no model: a run that says
 * what is needed; with one: no run, the previous model still answers). */
async function loadInBox(page, sel, prefix) {
  const n = await runs(page, sel);
  if (!(await page.isVisible(`${sel} .tl-input-url`))) await page.click(`${sel} .tl-picker summary`);
  await page.fill(`${sel} .tl-input-url`, new URL(prefix, browser.url).href);
  await page.click(`${sel} button:has-text("Load from URL")`);
  await page.waitForFunction(
    ({ sel, n }) => {
      const w = document.querySelector(sel);
      const ran = Number(w.dataset.runs) > n && w.dataset.state !== 'loading';
      return !w.picker.loading && (ran || (w.errors.load && w.picker.current));
    },
    { sel, n },
    { timeout: 60_000 },
  );
  return page.getAttribute(sel, 'data-state');
}

/** The bars of widget `sel`: [{label, id, p, chosen}] in the order drawn. */
const barsOf = (page, sel) =>
  page.$$eval(`${sel} .tl-bars li`, (lis) =>
    lis.map((li) => ({ label: li.querySelector('.tl-tok').textContent, id: li.dataset.id, p: Number(li.dataset.p), chosen: li.classList.contains('chosen') })),
  );

const softmax = (xs) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** Checks that the bars show every label of `expectedProbs` (by id), most probable first. */
function assertLabelBars(bars, expectedProbs, labels, what) {
  assert.equal(bars.length, expectedProbs.length, what);
  const order = expectedProbs.map((p, id) => ({ p, id })).sort((a, b) => b.p - a.p);
  assert.deepEqual(bars.map((b) => b.label), order.map((o) => labels[o.id]), `${what}: most probable first`);
  for (const b of bars) assert.ok(Math.abs(b.p - expectedProbs[Number(b.id)]) < TOL, `${what}: ${b.label} ${b.p} vs ${expectedProbs[Number(b.id)]}`);
}

const labelsOf = (name) => {
  const { id2label } = fixture(name, 'config.json');
  return Object.keys(id2label).map((i) => id2label[i]);
};

test('bert-classify: every label with the probability transformers computed, most probable first, for sentences and pairs', async () => {
  const name = 'bert-head-seqcls';
  const { cases } = fixture(name);
  const labels = labelsOf(name);
  const w = 'bert-classify';
  const page = await open({ widget: w, src: hub(name), text: cases[0].text });
  assert.equal(page.firstState, 'ready');
  assert.match(await page.textContent(`${w} .tl-picker summary`), /^Model: .*bert-head-seqcls.* loaded · 2 layers · hidden 48 · labels: negative, neutral, positive$/);
  assert.match(await page.textContent(`${w} .tl-body`), /One softmax over the labels/);
  let bars = await barsOf(page, w);
  assertLabelBars(bars, cases[0].probs, labels, cases[0].text);
  assert.deepEqual(bars.map((b) => b.chosen), [true, false, false], 'the most probable marked');
  for (const c of cases.slice(1)) {
    assert.equal(await runWith(page, w, { text: c.text, pair: c.pair ?? '' }), 'ready', c.text);
    assertLabelBars(await barsOf(page, w), c.probs, labels, `${c.text} | ${c.pair}`);
  }
  // Typing runs it too: the second sentence cleared makes it one sentence again.
  await page.fill(`${w} .tl-input-pair`, '');
  await page.fill(`${w} .tl-input-text`, cases[1].text);
  await page.press(`${w} .tl-input-text`, 'Enter');
  await page.waitForFunction(
    ({ w, p }) => Math.abs(Number(document.querySelector(`${w} .tl-bars li`)?.dataset.p) - p) < 1e-4 && document.querySelector(w).dataset.state === 'ready',
    { w, p: Math.max(...cases[1].probs) },
  );
  assert.equal(await page.getAttribute(w, 'pair'), '');
  assertLabelBars(await barsOf(page, w), cases[1].probs, labels, 'typed');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('bert-classify: a multi-label checkpoint as pytorch_model.bin + vocab.txt loads in the page; its sigmoids match transformers', async () => {
  const name = 'bert-head-multilabel';
  assert.ok(!fs.existsSync(path.join(repo, 'fixtures', name, 'tokenizer.json')) && !fs.existsSync(path.join(repo, 'fixtures', name, 'model.safetensors')));
  const { cases } = fixture(name);
  const labels = labelsOf(name);
  const w = 'bert-classify';
  const page = await open({ widget: w, src: hub(name), text: cases[0].text });
  assert.equal(page.firstState, 'ready', await page.textContent(`${w} .tl-error`));
  assert.match(await page.textContent(`${w} .tl-body`), /Multi-label: each label is its own yes\/no/);
  for (const [i, c] of cases.entries()) {
    if (i > 0) assert.equal(await runWith(page, w, { text: c.text, pair: c.pair ?? '' }), 'ready', c.text);
    const bars = await barsOf(page, w);
    assertLabelBars(bars, c.probs, labels, `${c.text} | ${c.pair}`);
    assert.deepEqual(bars.map((b) => b.chosen), bars.map((b) => b.p > 0.5), 'independent sigmoids: every label above ½ marked');
  }
  // tokenizer.json and model.safetensors were asked for first (404), with no console error.
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('bert-nsp: P(IsNext) as transformers computed it, from a BertForPreTraining checkpoint', async () => {
  const { cases } = fixture('bert-head-pretraining');
  const w = 'bert-nsp';
  const page = await open({ widget: w, src: hub('bert-head-pretraining'), text: cases[0].a, pair: cases[0].b });
  assert.equal(page.firstState, 'ready');
  for (const [i, c] of cases.entries()) {
    if (i > 0) assert.equal(await runWith(page, w, { text: c.a, pair: c.b }), 'ready');
    const [isNext, notNext] = await barsOf(page, w);
    assert.equal(isNext.id, 'is-next');
    assert.ok(Math.abs(isNext.p - c.is_next) < TOL, `${c.a} | ${c.b}: ${isNext.p} vs ${c.is_next}`);
    assert.ok(Math.abs(notNext.p - (1 - c.is_next)) < TOL);
    assert.equal(isNext.chosen, c.is_next >= 0.5);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** The words bert-tag shows: [{word, label, prob, start, end, colour}]. */
const taggedOf = (page, sel) =>
  page.$$eval(`${sel} .tl-tagged li`, (lis) =>
    lis.map((li) => ({
      word: li.querySelector('.tl-tag-word').textContent,
      label: li.querySelector('.tl-tag').textContent,
      prob: Number(li.dataset.prob),
      start: Number(li.dataset.start),
      end: Number(li.dataset.end),
      title: li.title,
      colour: li.querySelector('.tl-tag').dataset.colour ?? null,
    })),
  );

test('bert-tag: a label under every word, with the probability transformers computed on hover', async () => {
  const name = 'bert-head-tokcls';
  const { cases } = fixture(name);
  const w = 'bert-tag';
  const page = await open({ widget: w, src: hub(name), text: cases[0].text });
  assert.equal(page.firstState, 'ready');
  for (const [i, c] of cases.entries()) {
    if (i > 0) assert.equal(await runWith(page, w, { text: c.text }), 'ready');
    const words = await taggedOf(page, w);
    assert.deepEqual(words.map((x) => [x.word, x.label, x.start, x.end]), c.words.map((x) => [x.word, x.label, x.start, x.end]), c.text);
    for (const [j, x] of words.entries()) {
      assert.ok(Math.abs(x.prob - c.words[j].prob) < TOL, `${x.word}: ${x.prob} vs ${c.words[j].prob}`);
      assert.equal(x.title, `${x.label}: ${(100 * c.words[j].prob).toFixed(1)}%`);
    }
  }
  // Colours follow the model's labels (O, NOUN, VERB, ADJ, DET: O has none, ADJ is the third).
  const legend = await page.$$eval(`${w} .tl-tag-legend .tl-tag`, (t) => t.map((x) => [x.textContent, x.dataset.colour ?? null]));
  assert.deepEqual(legend, [['O', null], ['NOUN', '1'], ['VERB', '2'], ['ADJ', '3'], ['DET', '4']]);
  assert.ok((await taggedOf(page, w)).every((x) => x.colour === '3'));
  // A host page themes the label colours through --tl-tag-<n>.
  const bg = () => page.$eval(`${w} .tl-tagged .tl-tag`, (t) => getComputedStyle(t).backgroundColor);
  assert.equal(await bg(), 'rgb(251, 227, 216)');
  await page.evaluate(() => document.querySelector('bert-tag').style.setProperty('--tl-tag-3', 'rgb(0, 128, 0)'));
  assert.equal(await bg(), 'rgb(0, 128, 0)');
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** What bert-qa shows: the answer, the marked span, and the window's tokens. */
const qaView = (page, sel) =>
  page.$eval(sel, (w) => ({
    answer: w.querySelector('.tl-qa-span').textContent,
    score: Number(w.querySelector('.tl-qa-answer').textContent.match(/= ([\d.]+)/)[1]),
    marked: w.querySelector('.tl-qa-context mark').textContent,
    context: w.querySelector('.tl-qa-context').textContent,
    windows: w.querySelector('.tl-body > .tl-muted')?.textContent ?? '',
    tokens: [...w.querySelectorAll('.tl-qa-tokens li')].map((li) => ({
      token: li.querySelector('.tl-qa-text').textContent,
      pStart: Number(li.dataset.pStart),
      pEnd: Number(li.dataset.pEnd),
      inContext: 'start' in li.dataset,
      answer: li.classList.contains('answer'),
    })),
  }));

test('bert-qa: the answer, its place in the context and its score; the two probability vectors of the lecture', async () => {
  const { cases } = fixture('bert-head-qa');
  const w = 'bert-qa';
  const page = await open({ widget: w, src: hub('bert-head-qa'), question: cases[0].question, text: cases[0].context });
  assert.equal(page.firstState, 'ready');
  for (const [i, c] of cases.slice(0, 2).entries()) {
    if (i > 0) assert.equal(await runWith(page, w, { question: c.question, text: c.context }), 'ready');
    const v = await qaView(page, w);
    assert.equal(v.answer, c.answer.answer);
    assert.equal(v.marked, c.context.slice(c.answer.start, c.answer.end), 'the answer is highlighted at its offsets');
    assert.equal(v.context, c.context);
    assert.ok(Math.abs(v.score - c.answer.score) < TOL, `score ${v.score} vs ${c.answer.score}`);
    assert.equal(v.windows, '', 'one window');
    // One column per token of the window; the vectors are the softmaxes of transformers' start
    // and end logits over [CLS] and the context (the question masked), [CLS] then set to 0.
    assert.equal(v.tokens.length, c.input_ids.length);
    const keep = v.tokens.map((t, j) => j === 0 || t.inContext);
    for (const [k, logits] of [['pStart', c.start_logits], ['pEnd', c.end_logits]]) {
      const kept = softmax(logits.filter((_, j) => keep[j]));
      let at = 0;
      const expected = logits.map((_, j) => (keep[j] ? kept[at++] : 0));
      expected[0] = 0;
      for (const [j, t] of v.tokens.entries()) assert.ok(Math.abs(t[k] - expected[j]) < TOL, `${k}[${j}] ${t.token}: ${t[k]} vs ${expected[j]}`);
    }
    assert.ok(v.tokens.filter((t) => t.answer).length >= 1);
  }
  // A long context is cut into windows, and the widget says so. Offsets count code points:
  // a character outside the BMP before the answer does not shift the highlight.
  const long = cases[2];
  assert.equal(await runWith(page, w, { question: long.question, text: `🐪 ${long.context}` }), 'ready');
  const v = await qaView(page, w);
  assert.match(v.windows, /cut into \d+ overlapping windows/);
  assert.equal(v.marked, v.answer);
  assert.ok(v.answer.length > 0 && long.context.includes(v.answer));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('without a model, with the wrong one, with empty text: what is needed, in words; the widget keeps working', async () => {
  const w = 'bert-qa';
  const page = await open({ widget: w, question: 'Where did the man go?', text: 'The man went to the store to buy some milk.' });
  assert.equal(page.firstState, 'error');
  assert.match(await page.textContent(`${w} .tl-error`), /^No model is loaded: this widget needs a question-answering model \(a BertForQuestionAnswering checkpoint/);
  assert.equal(await page.$eval(`${w} .tl-picker`, (d) => d.open), true, 'the model box is open');
  assert.match(await page.textContent(`${w} .tl-picker summary`), /none loaded/);
  // A name that is not there, then a checkpoint without the head: refused in words.
  assert.equal(await loadInBox(page, w, hub('no-such-model')), 'error');
  assert.match(await page.textContent(`${w} .tl-error`), /Could not load the model .*no-such-model.*: could not download .*config\.json: HTTP 404/);
  assert.equal(await loadInBox(page, w, hub('bert-head-seqcls')), 'error');
  assert.match(await page.textContent(`${w} .tl-error`), /this checkpoint has no question-answering head \(`qa_outputs`, as in BertForQuestionAnswering\)/);
  // The right one answers; the errors go.
  assert.equal(await loadInBox(page, w, hub('bert-head-qa')), 'ready');
  assert.equal(await page.isHidden(`${w} .tl-error`), true);
  assert.equal(await page.textContent(`${w} .tl-qa-span`), 'went to the store to buy');
  // Empty input: an error in words, then it answers again.
  assert.equal(await runWith(page, w, { question: '  ' }), 'error');
  assert.equal(await page.textContent(`${w} .tl-error`), 'the question is empty');
  assert.equal(await page.$$eval(`${w} .tl-qa-tokens`, (x) => x.length), 0, 'no stale answer');
  assert.equal(await runWith(page, w, { question: 'Where did the man go?', text: '' }), 'error');
  assert.equal(await page.textContent(`${w} .tl-error`), 'the context is empty');
  assert.equal(await runWith(page, w, { text: 'The man went to the store to buy some milk.' }), 'ready');
  // A model without the head keeps the previous model answering.
  assert.equal(await loadInBox(page, w, 'models/fill-mask'), 'ready');
  assert.match(await page.textContent(`${w} .tl-error`), /no question-answering head/);
  assert.match(await page.textContent(`${w} .tl-picker summary`), /bert-head-qa/);
  assert.deepEqual(page.problems, []);
  await page.close();

  // The fill-mask model as a sentence classifier, a QA model or a sentence classifier as a
  // tagger (config.json's architectures tell the two `classifier` heads apart), a model with
  // only a next-sentence head as a sentence classifier: refused in words.
  for (const [widget, src, error] of [
    ['bert-classify', '/models/fill-mask', /has neither a sentence classifier \(`classifier`, as in BertForSequenceClassification\) nor a next-sentence head/],
    ['bert-tag', hub('bert-head-qa'), /this checkpoint is a BertForQuestionAnswering \(config.json "architectures"\), not a model for tagging/],
    ['bert-tag', hub('bert-head-seqcls'), /this checkpoint is a BertForSequenceClassification \(config.json "architectures"\), not a model for tagging/],
    ['bert-classify', hub('bert-head-pretraining'), /^this model has no sentence classifier/m],
  ]) {
    const p = await open({ widget, src, text: 'The man went to the store.' });
    assert.equal(p.firstState, 'error', `${widget} ${src}`);
    assert.match(await p.textContent(`${widget} .tl-error`), error, `${widget} ${src}`);
    assert.deepEqual(p.problems, []);
    await p.close();
  }
});

test('the built-in part-of-speech tagger; the built-in next-sentence head, or a request for a checkpoint with one', async () => {
  const page = await open({ widget: 'bert-tag', text: 'The old man saw a bird on the roof.' });
  assert.equal(page.firstState, 'ready', await page.textContent('bert-tag .tl-error'));
  assert.match(await page.textContent('bert-tag .tl-picker summary'), /^Model: built in: .* 6 layers · hidden 384 · labels: /);
  const legend = await page.$$eval('bert-tag .tl-tag-legend .tl-tag', (t) => t.map((x) => x.textContent));
  assert.equal(legend.length, 12);
  for (const tag of ['NOUN', 'VERB', 'DET', 'ADJ', 'ADP']) assert.ok(legend.includes(tag), tag);
  const words = Object.fromEntries((await taggedOf(page, 'bert-tag')).map((x) => [x.word, x.label]));
  assert.deepEqual([words.The, words.man, words.bird, words.on], ['DET', 'NOUN', 'NOUN', 'ADP']);
  // A tagger from the hub in the same box, then back to the built-in one.
  assert.equal(await loadInBox(page, 'bert-tag', hub('bert-head-tokcls')), 'ready');
  assert.match(await page.textContent('bert-tag .tl-picker summary'), /loaded · 2 layers/);
  const n = await runs(page, 'bert-tag');
  await page.click('bert-tag button:has-text("Back to the built-in model")');
  assert.equal(await outcome(page, 'bert-tag', n), 'ready');
  assert.match(await page.textContent('bert-tag .tl-picker summary'), /^Model: built in:/);
  assert.deepEqual(page.problems, []);
  await page.close();

  const nsp = await open({ widget: 'bert-nsp', text: 'The man went to the store.', pair: 'He bought some milk.' });
  if (fs.existsSync(path.join(repo, 'models/nsp-en/head.safetensors'))) {
    assert.equal(nsp.firstState, 'ready', await nsp.textContent('bert-nsp .tl-error'));
    assert.match(await nsp.textContent('bert-nsp .tl-picker summary'), /^Model: built in:/);
  } else {
    assert.equal(nsp.firstState, 'error');
    assert.match(await nsp.textContent('bert-nsp .tl-error'), /models\/nsp-en\/config\.json: HTTP 404[\s\S]*needs a checkpoint with BERT’s next-sentence head \(cls\.seq_relationship/);
    assert.equal(await loadInBox(nsp, 'bert-nsp', hub('bert-head-pretraining')), 'ready');
    assert.equal(await nsp.isHidden('bert-nsp .tl-error'), true);
  }
  assert.equal((await barsOf(nsp, 'bert-nsp')).length, 2);
  assert.deepEqual(nsp.problems, []);
  await nsp.close();
});

test('中文, and embed.html copies only the documented attributes', async () => {
  const w = 'bert-classify';
  const page = await open({ widget: w, src: hub('bert-head-seqcls'), text: 'The man went to the store.', onclick: 'alert(1)', style: 'color:red' });
  assert.equal(page.firstState, 'ready');
  assert.deepEqual(await page.$eval(w, (el) => el.getAttributeNames().filter((n) => /^on|^style$/.test(n))), []);
  assert.match(await page.textContent('.tl-embed-note'), /^Ignored: onclick, style — not attributes of bert-classify \(it takes text, lang, src, shortlist, pair;/);
  await page.fill(`${w} .tl-input-pair`, 'typed, not yet run');
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.deepEqual(await page.$$eval(`${w} .tl-field label`, (l) => l.map((x) => x.textContent)), ['句子', '第二个句子（可选：组成句对，如前提与假设）']);
  assert.equal(await page.inputValue(`${w} .tl-input-pair`), 'typed, not yet run');
  assert.match(await page.textContent(`${w} .tl-picker summary`), /^模型： .* 已加载 · 2 层/);
  assert.match(await page.textContent(`${w} .tl-body`), /softmax：概率之和为 1/);
  assert.deepEqual(page.problems, []);
  await page.close();
});
