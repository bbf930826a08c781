// Fine-tuning in the page (<bert-finetune>, model kind 'finetune'), in headless Chromium on a
// small part of the built-in Brown data: Train computes the features and trains the head; the
// held-out accuracy rises far above chance and above where it started; the sentence's tags
// change from the untrained head's; Pause stops the steps, Reset goes back to step 0; the
// downloaded head is a BertForTokenClassification config.json + head.safetensors that the
// tagger kind loads back and that tags as the run did. Own data with a bad line fails in words.
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

/** Loads the exported files with the encoder's as model `kind`, and asks it op(text) and the
 * run predict(text): {info, back, run}. */
function loadBack(kind, op, { config, head }, key, text) {
  return page.evaluate(
    async ({ kind, op, key, config, head, text }) => {
      const { sharedClient, DEFAULT_BERT } = await import('./lib/client.js');
      const client = sharedClient();
      const get = async (name) => new Uint8Array(await (await fetch(`${DEFAULT_BERT.url}/${name}`)).arrayBuffer());
      const files = {
        'config.json': new TextEncoder().encode(config),
        'head.safetensors': new Uint8Array(head),
        'tokenizer.json': await get('tokenizer.json'),
        'model.safetensors': await get('model.safetensors'),
      };
      const info = await client.load(kind, `finetuned-${kind}`, { files });
      return { info, back: await client[op](`finetuned-${kind}`, text), run: await client.predict(key, text) };
    },
    { kind, op, key, config: JSON.stringify(config), head: [...head], text },
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
