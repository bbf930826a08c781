// Fine-tuning in the page (<bert-finetune>, model kind 'finetune'), in headless Chromium on a
// small part of the built-in Brown data: Train computes the features and trains the head; the
// held-out accuracy rises far above chance and above where it started; the sentence's tags
// change from the untrained head's; Pause stops the steps, Reset goes back to step 0; the
// downloaded head is a BertForTokenClassification config.json + head.safetensors that the
// tagger kind loads back and that tags as the run did. With the top encoder layer fine-tuned
// too (top-layers 1), the run is built again (its features computed below that layer), the
// held-out accuracy passes 85 % in 60 steps, the widget says which choice the run made, and
// head.safetensors also holds layer 5 under the checkpoint's own names, which the tagger kind
// reads in place of the encoder's; more layers than the encoder has are refused in words.
// Own data with a bad line fails in words.
// Own text<TAB>label lines train a sentence classifier, whose downloaded
// BertForSequenceClassification head the classifier kind loads back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch } from './harness.mjs';

let browser;
let page;
const W = 'bert-finetune';
const TEXT = 'The old man saw a bird on the roof.';
let startAccuracy; // the untrained head's held-out accuracy (seed 0)

before(async () => {
  browser = await launch();
  page = await browser.newPage();
  const params = new URLSearchParams({ widget: W, lang: 'en', sentences: '60', 'held-out': '20', steps: '150', text: TEXT });
  await page.goto(new URL(`embed.html?${params}`, browser.url).href);
  await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', W);
});
after(async () => {
  await browser?.close();
});

/** Waits until the widget's data-phase is one of `phases` and it is not loading. */
const settled = (phases, timeout = 60_000) =>
  page.waitForFunction(
    ({ W, phases }) => {
      const w = document.querySelector(W);
      return phases.includes(w.dataset.phase) && w.dataset.state !== 'loading';
    },
    { W, phases },
    { timeout },
  );
const state = () =>
  page.evaluate((W) => {
    const w = document.querySelector(W);
    return {
      phase: w.dataset.phase,
      step: Number(w.dataset.step),
      error: w.querySelector('.tl-error').textContent,
      history: w.job?.history.map(({ step, acc }) => ({ step, acc })) ?? [],
      labels: w.job?.labels,
      key: w.job?.key,
      train: w.querySelector('.tl-train').textContent,
      tags: [...w.querySelectorAll('.tl-ft-tagged li:not(.tl-ft-head)')].map((li) => ({ word: li.querySelector('.tl-ft-word').textContent, before: li.dataset.before, now: li.dataset.now })),
      // Classification: the label bars before training and now, most probable first.
      bars: Object.fromEntries(
        [...w.querySelectorAll('.tl-ft-classified .tl-ft-col')].map((c) => [c.dataset.when, [...c.querySelectorAll('.tl-bars li')].map((li) => ({ label: li.querySelector('.tl-tok').textContent, p: Number(li.dataset.p) }))]),
      ),
    };
  }, W);

/** Presses Download and saves both files: {config (parsed), head (bytes), header (the
 * safetensors header)}. */
async function downloadHead() {
  await page.click(`${W} .tl-export`);
  await page.waitForSelector(`${W} .tl-ft-files a[download="head.safetensors"]`);
  const save = async (name) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${W} .tl-ft-files a[download="${name}"]`)]);
    assert.equal(download.suggestedFilename(), name);
    return fs.readFileSync(await download.path());
  };
  const config = JSON.parse((await save('config.json')).toString('utf8'));
  const head = await save('head.safetensors');
  const n = Number(head.readBigUInt64LE(0));
  return { config, head, header: JSON.parse(head.subarray(8, 8 + n).toString('utf8')) };
}

/** Loads the exported files with the encoder's as model `kind` (under the key `as`), and
 * asks it op(text) and the run predict(text): {info, back, run}. */
function loadBack(kind, op, { config, head }, key, text, as = `finetuned-${kind}`) {
  return page.evaluate(
    async ({ kind, op, key, config, head, text, as }) => {
      const { sharedClient, DEFAULT_BERT } = await import('./lib/client.js');
      const client = sharedClient();
      const get = async (name) => new Uint8Array(await (await fetch(`${DEFAULT_BERT.url}/${name}`)).arrayBuffer());
      const files = {
        'config.json': new TextEncoder().encode(config),
        'head.safetensors': new Uint8Array(head),
        'tokenizer.json': await get('tokenizer.json'),
        'model.safetensors': await get('model.safetensors'),
      };
      const info = await client.load(kind, as, { files });
      return { info, back: await client[op](as, text), run: await client.predict(key, text) };
    },
    { kind, op, key, config: JSON.stringify(config), head: [...head], text, as },
  );
}

test('Train: the held-out accuracy rises far above chance and its start; the tags change from the untrained ones', async () => {
  assert.match(await page.textContent(`${W} .tl-ft-why`), /ms per word piece/);
  assert.equal(await page.textContent(`${W} .tl-train`), 'Train');
  await page.click(`${W} .tl-train`);
  await settled(['done']);
  const s = await state();
  assert.equal(s.error, '');
  assert.equal(s.step, 150);
  const [start, end] = [s.history[0], s.history.at(-1)];
  assert.equal(start.step, 0);
  // 12 tags: chance is 1/12; the commonest tag (NOUN) is about 30 % of the words.
  assert.ok(end.acc > 0.6, `held-out accuracy ${end.acc}`);
  assert.ok(end.acc > start.acc + 0.3, `from ${start.acc} to ${end.acc}`);
  assert.ok(s.labels.length >= 10, s.labels.join(' '));
  startAccuracy = start.acc;
  assert.deepEqual(s.tags.map((t) => t.word), ['The', 'old', 'man', 'saw', 'a', 'bird', 'on', 'the', 'roof', '.']);
  assert.ok(s.tags.every((t) => s.labels.includes(t.before) && s.labels.includes(t.now)));
  assert.ok(s.tags.some((t) => t.before !== t.now), 'some tag changed');
  assert.ok((await page.$$(`${W} .tl-ft-tagged li.changed`)).length > 0);
  assert.equal(s.tags.find((t) => t.word === 'the').now, 'DET');
  // The chart has both lines, and the status says where training stands.
  assert.equal(await page.$$eval(`${W} .tl-chart polyline`, (l) => l.length), 2);
  assert.match(await page.textContent(`${W} .tl-ft-status`), /^Step 150 · .* held-out accuracy \d+\.\d % /);
  assert.equal(await page.textContent(`${W} .tl-train`), 'Train 150 more steps');
  // In 中文, the form is built again and the run stays.
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.match(await page.textContent(`${W} .tl-ft-status`), /^第 150 步/);
  assert.equal((await state()).tags.length, 10);
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('en'));
  assert.deepEqual(page.problems, []);
});

test('the downloaded head: config.json with the labels, head.safetensors [labels, 384]; the tagger kind loads it back', async () => {
  const { labels, key } = await state();
  const files = await downloadHead();
  const { config, header } = files;
  assert.deepEqual(config.architectures, ['BertForTokenClassification']);
  assert.deepEqual(config.id2label, Object.fromEntries(labels.map((l, i) => [String(i), l])));
  assert.equal(config.label2id[labels[1]], 1);
  assert.deepEqual(header['classifier.weight'].shape, [labels.length, 384]);
  assert.deepEqual(header['classifier.bias'].shape, [labels.length]);
  const [from, to] = header['classifier.weight'].data_offsets;
  assert.equal(to - from, labels.length * 384 * 2, 'f16');
  assert.match(await page.textContent(`${W} .tl-ft-export`), /to <bert-tag> .* tlab tag --model DIR/);

  // Loaded back as a tagger (the exported files with the encoder's), it tags as the run does.
  const { info, back, run } = await loadBack('tagger', 'tag', files, key, TEXT);
  assert.deepEqual(info.labels, labels);
  assert.deepEqual(back.words.map((w) => w.label), run.words.map((w) => w.label));
  // (The file stores the head in f16.)
  for (const [i, w] of back.words.entries()) assert.ok(Math.abs(w.prob - run.words[i].prob) < 0.02, `${w.word}: ${w.prob} vs ${run.words[i].prob}`);
  assert.deepEqual(page.problems, []);
});

test('Pause stops the steps at once; Reset goes back to step 0', async () => {
  await page.evaluate((W) => document.querySelector(W).setAttribute('steps', '5000'), W);
  await page.click(`${W} .tl-train`);
  await page.waitForFunction((W) => Number(document.querySelector(W).dataset.step) >= 200, W, { timeout: 30_000 });
  await page.click(`${W} .tl-pause`);
  await settled(['paused'], 5_000);
  const paused = await state();
  assert.ok(paused.step < 5150, `paused at ${paused.step}`);
  assert.equal(paused.train, 'Resume');
  await page.waitForTimeout(1000);
  assert.equal((await state()).step, paused.step, 'no step while paused');
  await page.click(`${W} .tl-reset`);
  await settled(['idle']);
  const reset = await state();
  assert.equal(reset.step, 0);
  assert.deepEqual(reset.history.map((p) => p.step), [0]);
  assert.equal(reset.history[0].acc, startAccuracy, 'the same untrained head (same seed)');
  assert.equal(reset.train, 'Train');
  assert.ok(reset.tags.every((t) => t.before === t.now), 'the untrained head again');
  assert.match(await page.textContent(`${W} .tl-ft-status`), /^Step 0 · /);
  assert.deepEqual(page.problems, []);
});

// The top encoder layer fine-tuned with the head. On these 60 training sentences (16 a
// step) the held-out accuracy measured 92.1 % at step 60 (88.6 % at step 30); the test asks
// for 85 %.
const TOP_STEPS = 60;
const TOP_ACCURACY = 0.85;
const tuneWhy = () => page.textContent(`${W} .tl-ft-tune-why`);

test('top layers: the top encoder layer learns with the head; the run is built again, says so, passes 85 %, and exports layer 5 that the tagger reads', async () => {
  await page.evaluate(({ W, steps }) => document.querySelector(W).setAttribute('steps', String(steps)), { W, steps: TOP_STEPS });
  // Head only (0) is the default, explained; the layers' learning rate appears only with N > 0.
  assert.equal(await page.inputValue(`${W} .tl-ft-top-layers`), '0');
  assert.equal(await page.getAttribute(`${W} .tl-ft-top-layers`, 'max'), '6');
  assert.match(await tuneWhy(), /^0 = head only: the encoder is frozen, so each word’s features are computed once and kept; a step .* costs a few milliseconds/);
  assert.ok(await page.isHidden(`${W} .tl-ft-layer-lr`));
  assert.equal((await state()).history.length, 1, 'the head-only run of the tests above, reset to step 0');
  assert.equal(await page.getAttribute(W, 'data-tuned-layers'), '0');
  await page.fill(`${W} .tl-ft-top-layers`, '1');
  assert.ok(await page.isVisible(`${W} .tl-ft-layer-lr`));
  assert.equal(Number(await page.inputValue(`${W} .tl-ft-layer-lr`)), 1e-4);
  const why = await tuneWhy();
  assert.match(why, /^1 = the top layer of the encoder’s 6 learns too: the lecture’s “fine-tune the whole model”, for the top of it\. .*every step runs that layer forward and backward on 16 sentences/);
  assert.match(why, /The run shown trains the head only: the next Train starts a new run and computes the features again\.$/);
  assert.match(await page.textContent(`${W} .tl-ft-model`), /\(pre-trained without labels; its top layer fine-tuned here, the rest frozen\)/);
  assert.match(await page.textContent(`${W} .tl-ft-sizes`), /Train runs 60 steps of 16 sentences each\./);
  assert.equal(await page.textContent(`${W} .tl-train`), 'Train');

  const headOnlyKey = (await state()).key;
  await page.click(`${W} .tl-train`);
  // A new run: its features computed again (below the tuned layer), the choice locked meanwhile.
  await page.waitForFunction((W) => document.querySelector(W).dataset.phase === 'features', W);
  assert.ok(await page.isDisabled(`${W} .tl-ft-top-layers`));
  assert.ok(await page.isDisabled(`${W} .tl-ft-layer-lr`));
  await settled(['done'], 120_000);
  const s = await state();
  assert.equal(s.error, '');
  assert.equal(s.key, headOnlyKey, 'the same worker key, loaded again');
  assert.equal(s.step, TOP_STEPS);
  assert.equal(await page.getAttribute(W, 'data-tuned-layers'), '1');
  assert.equal(await page.evaluate((W) => document.querySelector(W).job.tuned, W), 1);
  assert.ok(await page.evaluate((W) => document.querySelector(W).job.featureMs > 0, W), 'the features were computed again');
  const [start, end] = [s.history[0], s.history.at(-1)];
  assert.equal(start.step, 0);
  // Five steps per train call when a layer trains.
  assert.deepEqual(s.history.map((p) => p.step), Array.from({ length: TOP_STEPS / 5 + 1 }, (_, i) => 5 * i));
  console.log(`top-layers 1: held-out accuracy ${s.history.map((p) => `${p.step}: ${(100 * p.acc).toFixed(1)} %`).join(', ')}`);
  assert.ok(end.acc >= TOP_ACCURACY, `held-out accuracy ${end.acc} after ${end.step} steps`);
  assert.equal(s.tags.find((t) => t.word === 'the').now, 'DET');
  assert.ok(s.tags.some((t) => t.before !== t.now), 'some tag changed');
  // The status line says which choice the run made, and what a step costs.
  assert.match(await page.textContent(`${W} .tl-ft-status`), /^Step 60 · .* held-out accuracy \d+\.\d % .*This run: the top encoder layer learns with the head, \d+\.\d\d s per step\.$/);
  assert.doesNotMatch(await tuneWhy(), /The run shown/);
  assert.equal(await page.textContent(`${W} .tl-train`), `Train ${TOP_STEPS} more steps`);
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.match(await page.textContent(`${W} .tl-ft-status`), /本次训练：编码器最上面 1 层与分类头一起学习，每步 \d+\.\d\d 秒。$/);
  assert.match(await tuneWhy(), /^1 = 编码器（共 6 层）最上面的 1 层也一起学习：即课上说的“微调整个模型”/);
  assert.equal(await page.inputValue(`${W} .tl-ft-top-layers`), '1', 'the choice stays when the form is built again');
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('en'));

  // The download: the head and the tuned layer 5 under the checkpoint's names, no other layer.
  const files = await downloadHead();
  const keys = Object.keys(files.header).filter((k) => k !== '__metadata__');
  const layer5 = keys.filter((k) => k.startsWith('bert.encoder.layer.5.'));
  assert.ok(layer5.length >= 16, `layer 5's tensors: ${layer5.join(' ')}`);
  for (const part of ['attention.self.query.weight', 'attention.output.LayerNorm.weight', 'intermediate.dense.weight', 'output.dense.bias']) {
    assert.ok(layer5.includes(`bert.encoder.layer.5.${part}`), `bert.encoder.layer.5.${part} in ${layer5.join(' ')}`);
  }
  assert.deepEqual(files.header['bert.encoder.layer.5.attention.self.query.weight'].shape, [384, 384]);
  assert.deepEqual(keys.filter((k) => /encoder\.layer\.[0-4]\./.test(k)), [], 'only the tuned layer');
  assert.deepEqual(keys.filter((k) => !k.startsWith('bert.encoder.layer.5.')).sort(), ['classifier.bias', 'classifier.weight']);
  assert.deepEqual(files.header['classifier.weight'].shape, [s.labels.length, 384]);
  assert.deepEqual(files.config.architectures, ['BertForTokenClassification']);

  // Loaded back as a tagger (head.safetensors read before the encoder's weights: its layer 5
  // wins), it tags as the run does.
  const { info, back, run } = await loadBack('tagger', 'tag', files, s.key, TEXT, 'finetuned-tagger-top1');
  assert.deepEqual(info.labels, s.labels);
  assert.deepEqual(back.words.map((w) => w.label), run.words.map((w) => w.label));
  assert.deepEqual(back.words.map((w) => w.label), s.tags.map((t) => t.now));
  // (The file stores the head and the layer in f16.)
  for (const [i, w] of back.words.entries()) assert.ok(Math.abs(w.prob - run.words[i].prob) < 0.03, `${w.word}: ${w.prob} vs ${run.words[i].prob}`);
  assert.deepEqual(page.problems, []);
});

test('top layers: more layers than the encoder has, or a bad number, fail in words; the page keeps working', async () => {
  await page.fill(`${W} .tl-ft-top-layers`, '9');
  assert.match(await tuneWhy(), /^This encoder has 6 layers: choose 0 to 6, not 9 \(Train will say so too\)\./);
  await page.click(`${W} .tl-train`);
  await page.waitForFunction((W) => document.querySelector(W).dataset.state === 'error', W, { timeout: 30_000 });
  // The wasm's own words (FineTune refuses the option).
  assert.equal((await state()).error, 'this model has 6 encoder layers; 9 cannot be fine-tuned');
  assert.equal(await page.getAttribute(W, 'data-phase'), 'idle');
  assert.equal(await page.getAttribute(W, 'data-tuned-layers'), null);
  assert.ok(await page.isEnabled(`${W} .tl-train`));
  // Checked in the page before anything is sent.
  await page.fill(`${W} .tl-ft-top-layers`, '-1');
  assert.match(await tuneWhy(), /^The number of encoder layers to fine-tune must be a whole number, 0 or more, not “-1”\./);
  await page.click(`${W} .tl-train`);
  await page.waitForFunction((W) => /not “-1”/.test(document.querySelector(W).querySelector('.tl-error').textContent), W);
  await page.fill(`${W} .tl-ft-top-layers`, '1');
  await page.fill(`${W} .tl-ft-layer-lr`, '-0.5');
  await page.click(`${W} .tl-train`);
  await page.waitForFunction((W) => /^The learning rate of the encoder layers must be a positive number, such as 1e-4, not “-0\.5”\.$/.test(document.querySelector(W).querySelector('.tl-error').textContent), W);
  await page.fill(`${W} .tl-ft-layer-lr`, '0.0001');
  // Head only again: a new run trains, and says so.
  await page.fill(`${W} .tl-ft-top-layers`, '0');
  await page.evaluate((W) => document.querySelector(W).setAttribute('steps', '20'), W);
  await page.click(`${W} .tl-train`);
  await settled(['done']);
  const s = await state();
  assert.equal(s.error, '');
  assert.equal(s.step, 20);
  assert.equal(await page.getAttribute(W, 'data-tuned-layers'), '0');
  assert.match(await page.textContent(`${W} .tl-ft-status`), /This run: head only, the encoder frozen, \d+(\.\d)? ms per step\.$/);
  assert.equal(s.tags.find((t) => t.word === 'the').now, 'DET');
  assert.deepEqual(page.problems, []);
});

test('own sentences: a line that is not word/TAG fails in words, naming the line', async () => {
  await page.check(`${W} input[value="own"]`);
  await page.fill(`${W} .tl-ft-train-lines`, 'The/DET cat/NOUN sat/VERB\nA/DET dog ran/VERB');
  await page.fill(`${W} .tl-ft-held-lines`, 'The/DET dog/NOUN ran/VERB');
  await page.click(`${W} .tl-train`);
  await page.waitForFunction((W) => document.querySelector(W).dataset.state === 'error', W, { timeout: 30_000 });
  assert.match(await page.textContent(`${W} .tl-error`), /^the training examples: line 2: "dog" is not word\/TAG$/);
  // Fixed, it trains on the three sentences.
  await page.fill(`${W} .tl-ft-train-lines`, 'The/DET cat/NOUN sat/VERB\nA/DET dog/NOUN ran/VERB');
  await page.click(`${W} .tl-train`);
  await settled(['done']);
  const s = await state();
  assert.equal(s.error, '');
  assert.deepEqual(s.labels, ['DET', 'NOUN', 'VERB']);
  assert.deepEqual(page.problems, []);
});

// Sentiment, typed as text<TAB>label lines: clear phrases, the held-out ones recombining
// their words into sentences the head never saw.
const POSITIVE = ['a wonderful film', 'I loved it', 'great acting and a fine story', 'truly excellent', 'a delightful, happy ending'];
const NEGATIVE = ['a terrible film', 'I hated it', 'awful acting and a dull story', 'truly boring', 'a miserable, stupid ending'];
const SENTIMENT_TRAIN = ['', ', really'].flatMap((end) => POSITIVE.flatMap((p, i) => [`${p}${end}\tpositive`, `${NEGATIVE[i]}${end}\tnegative`]));
const SENTIMENT_HELD = [
  'an excellent film\tpositive', 'I loved the acting\tpositive', 'a fine, happy story\tpositive', 'truly wonderful\tpositive',
  'an awful film\tnegative', 'I hated the acting\tnegative', 'a dull, stupid story\tnegative', 'truly terrible\tnegative',
];
const POSITIVE_SENTENCE = 'a wonderful story, truly excellent acting';

test('own text<TAB>label lines: a sentiment classifier learns, ranks a new positive sentence positive, and loads back as a classifier', async () => {
  assert.equal(SENTIMENT_TRAIN.length, 20);
  assert.match(await page.textContent(`${W} .tl-ft-forms`), /text<TAB>label.*a wonderful film<TAB>positive/);
  await page.evaluate(({ W, text }) => document.querySelector(W).setAttrs({ steps: '200', text }), { W, text: POSITIVE_SENTENCE });
  await page.fill(`${W} .tl-ft-train-lines`, SENTIMENT_TRAIN.join('\n'));
  await page.fill(`${W} .tl-ft-held-lines`, SENTIMENT_HELD.join('\n'));
  await page.click(`${W} .tl-train`);
  await settled(['done']);
  const s = await state();
  assert.equal(s.error, '');
  assert.deepEqual(s.labels, ['positive', 'negative']);
  assert.equal(await page.evaluate((W) => document.querySelector(W).job.form, W), 'classify');
  assert.ok(s.history.at(-1).acc >= 0.9, `held-out accuracy ${s.history.at(-1).acc}`);
  assert.match(await page.textContent(`${W} .tl-ft-sizes`), /\(20 examples to train on, 8 held out\.\)/);
  assert.match(await page.textContent(`${W} .tl-ft-model`), /Head — new: a pooler .* and one linear layer/);
  // Before and after: label bars, the trained head's with positive first; no tags; no pair box.
  assert.deepEqual(s.tags, []);
  assert.deepEqual(s.bars.before.map((b) => b.label).sort(), ['negative', 'positive']);
  assert.equal(s.bars.now[0].label, 'positive');
  assert.ok(s.bars.now[0].p > 0.5 && Math.abs(s.bars.now[0].p + s.bars.now[1].p - 1) < 1e-4, JSON.stringify(s.bars.now));
  assert.ok(await page.isHidden(`${W} .tl-input-pair`));
  assert.match(await page.textContent(`${W} .tl-ft-labels`), /^Labels: positive · negative$/);

  // The download: a BertForSequenceClassification head, pooler and classifier, that the
  // classifier kind loads with the encoder's files and that classifies as the run does.
  const files = await downloadHead();
  assert.deepEqual(files.config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(files.config.id2label, { 0: 'positive', 1: 'negative' });
  assert.deepEqual(files.header['bert.pooler.dense.weight'].shape, [384, 384]);
  assert.deepEqual(files.header['classifier.weight'].shape, [2, 384]);
  assert.match(await page.textContent(`${W} .tl-ft-export`), /to <bert-classify> .* tlab classify --model DIR/);
  const { info, back, run } = await loadBack('classifier', 'classifyText', files, s.key, POSITIVE_SENTENCE);
  assert.deepEqual(info.labels, ['positive', 'negative']);
  assert.deepEqual(back.labels.map((l) => l.label), run.labels.map((l) => l.label));
  assert.equal(back.labels[0].label, 'positive');
  // (The file stores the head in f16.)
  assert.ok(Math.abs(back.labels[0].prob - run.labels[0].prob) < 0.02, `${back.labels[0].prob} vs ${run.labels[0].prob}`);
  assert.deepEqual(page.problems, []);
});
