// Screenshots of the demo and the lecture views for the README (needs pkg/ and models/):
//   node tools/screenshot.mjs [demo] [lecture] [beam] [finetune] [heads] [zh] [gpt] [antiberty] [eos] [stale] [block] [tips]
//   (default: all of them)
import fs from 'node:fs';
import { allAnswered, launch, readThrough } from '../www/e2e/harness.mjs';

const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(part);

const browser = await launch();
try {
  const page = await browser.newPage();
  if (want('demo')) await demo(page);
  if (want('lecture')) await lecture(page);
  if (want('beam')) await beam(page);
  if (want('finetune')) await finetune(page);
  if (want('heads')) await heads(page);
  if (want('zh')) await chinese(page);
  if (want('gpt')) await gpt(page);
  if (want('antiberty')) await antiberty(page);
  if (want('eos')) await eos(page);
  if (want('stale')) await stale(page);
  if (want('block')) await block(page);
  if (want('tips')) await tips(page);
} finally {
  await browser.close();
}

async function demo(page) {
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(browser.url);
  await page.fill('#text', 'She [MASK] a [MASK] of the [MASK] yesterday.');
  await page.waitForFunction(() => document.querySelectorAll('#fill-mask .tl-card').length === 3);
  await page.click('#model-picker summary');
  await page.screenshot({ path: 'docs/fill-mask.png', fullPage: true });
  console.log('docs/fill-mask.png');
}

/** Every widget shown has shown an outcome; an error only where a widget has no built-in
 * model and says what it needs (a screenshot of any other error would be a wrong image). */
async function allShown(page) {
  await allAnswered(page, { errorText: /No model is loaded|没有加载模型/ });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** 中文: the demo with the built-in Chinese model chosen (its hub suggestions open), the
 * lecture's tokenizer view with the English model's tokens beside the Chinese model's, and
 * the 中文 lecture's BERT pre-training section. */
async function chinese(page) {
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(browser.url);
  await page.waitForFunction(() => document.querySelector('#fill-mask .tl-card li'));
  await page.check('#model-lang-zh');
  // The first character of the model's example (models/index.json) shows its answer is in.
  const first = [...JSON.parse(fs.readFileSync('models/index.json', 'utf8'))['fill-mask-zh'].example][0];
  await page.waitForFunction(
    (first) =>
      !/loading/.test(document.getElementById('model-name').textContent) &&
      document.getElementById('fill-mask').dataset.state === 'ready' &&
      document.querySelector('#fill-mask .tl-fill-tokens li:nth-child(2)')?.textContent === first,
    first,
    { timeout: 120_000 },
  );
  await page.click('#model-picker summary');
  await page.locator('section:has(#fill-mask)').screenshot({ path: 'docs/fill-mask-zh.png' });
  console.log('docs/fill-mask-zh.png');

  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(new URL('lecture.html?lang=zh', browser.url).href);
  await allShown(page);
  await page.locator('#tokens tokenizer-view[compare]').screenshot({ path: 'docs/tokenizer-zh.png' });
  console.log('docs/tokenizer-zh.png');
  await page.locator('#masking').screenshot({ path: 'docs/lecture-zh-bert.png' });
  console.log('docs/lecture-zh-bert.png');
}

/** The lecture page: one shot per view (the widget element itself), and BERT's fine-tuning
 * cases as one section (its widgets with no built-in model show what they need). */
async function lecture(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  await allShown(page);
  await page.click('decoding-steps .tl-next');
  await page.click('decoding-steps .tl-next');
  await page.hover('attention-map[model="translate"] .tl-row[data-q="6"]');
  const shots = {
    'lecture-tokenizer': 'tokenizer-view[model="translate"]',
    'lecture-attention': 'attention-map[model="translate"]',
    'lecture-masked-self-attention': 'masked-self-attention',
    'lecture-cross-attention': 'cross-attention',
    'lecture-teacher-forcing': 'teacher-forcing',
    'lecture-bert-pretraining': 'bert-pretraining',
    'lecture-bert-heads': '#heads',
  };
  for (const [name, sel] of Object.entries(shots)) {
    await page.locator(sel).first().screenshot({ path: `docs/${name}.png` });
    console.log(`docs/${name}.png`);
  }
  await page.setViewportSize({ width: 375, height: 800 });
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.locator('#beam').screenshot({ path: 'docs/lecture-phone-zh.png' });
  console.log('docs/lecture-phone-zh.png');
}

/** The lecture's <decoding-steps> (www/e2e/beam.test.mjs checks it) at its last step: the
 * totals of greedy and beam search side by side, the finished n-best with the winner marked,
 * the whole beam tree; in English at 1280 px (docs/lecture-decoding-steps.png) and at phone
 * width, 375 px, where the tree scrolls in its own box (docs/beam-375.png). */
async function beam(page) {
  const w = '#beam decoding-steps';
  for (const [width, name] of [[1280, 'lecture-decoding-steps'], [375, 'beam-375']]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(new URL('lecture.html?lang=en', browser.url).href);
    await page.locator(w).scrollIntoViewIfNeeded();
    await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', w, { timeout: 120_000 });
    while (await page.isEnabled(`${w} .tl-next`)) await page.click(`${w} .tl-next`);
    await page.locator(w).screenshot({ path: `docs/${name}.png` });
    console.log(`docs/${name}.png`);
  }
}

/** The fine-tuned BERT widgets, one shot each through embed.html: the built-in tagger, the
 * built-in next-sentence head when models/nsp-en is installed, and for what is not built in
 * the test checkpoints of fixtures/ (random weights: the views are real, the numbers not). */
async function heads(page) {
  await page.setViewportSize({ width: 760, height: 900 });
  const fixture = (name) => `/hub/test-org/${name}/resolve/main`;
  const widgets = {
    'bert-tag': { text: 'The old man saw a bird on the roof of the house.' },
    'bert-nsp': {
      text: 'The man went to the store.',
      pair: 'He bought some milk.',
      ...(fs.existsSync('models/nsp-en/head.safetensors') ? {} : { src: fixture('bert-head-pretraining') }),
    },
    'bert-classify': { src: fixture('bert-head-multilabel'), text: 'The man went to the store.', pair: 'He bought some milk.' },
    'bert-qa': { src: fixture('bert-head-qa'), question: 'Where did the man go?', text: 'The man went to the store to buy some milk.' },
  };
  for (const [widget, attrs] of Object.entries(widgets)) {
    await page.goto(new URL(`embed.html?${new URLSearchParams({ widget, lang: 'en', ...attrs })}`, browser.url).href);
    await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', widget, { timeout: 120_000 });
    await page.locator(widget).screenshot({ path: `docs/${widget}.png` });
    console.log(`docs/${widget}.png`);
  }
}

/** <bert-finetune> after Train on the built-in data with its defaults (about half a minute):
 * the head alone, with the choice of also fine-tuning the top encoder layers at its default
 * (0) and what that choice means. */
async function finetune(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  const params = new URLSearchParams({ widget: 'bert-finetune', lang: 'en', text: 'The old man saw a bird on the roof.' });
  await page.goto(new URL(`embed.html?${params}`, browser.url).href);
  await page.waitForFunction(() => document.querySelector('bert-finetune')?.dataset.state === 'ready');
  // (The control knows the encoder's layers once its config.json came.)
  await page.waitForFunction(() => document.querySelector('bert-finetune .tl-ft-top-layers')?.max);
  await page.click('bert-finetune .tl-train');
  await page.waitForFunction(() => document.querySelector('bert-finetune').dataset.phase === 'done', null, { timeout: 180_000 });
  await page.click('bert-finetune .tl-export');
  await page.locator('bert-finetune').screenshot({ path: 'docs/finetune.png' });
  console.log('docs/finetune.png');
}

/** The GPT through embed.html (www/e2e/gpt.test.mjs checks these views): <gpt-generate> after
 * a greedy run with a step opened, the same after beam search (width 4: the beam tree and the
 * n-best list), and <masked-self-attention> on the built-in GPT. */
async function gpt(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  const w = 'gpt-generate';
  const done = () =>
    page.waitForFunction((w) => {
      const el = document.querySelector(w);
      return el?.dataset.state === 'ready' && !('playing' in el.dataset);
    }, w, { timeout: 120_000 });
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: w, lang: 'en', text: '床前明月光，', 'max-new-tokens': '16', delay: '0' })}`, browser.url).href);
  await done();
  await page.click(`${w} .tl-gpt-step[data-step="3"]`);
  await page.locator(w).screenshot({ path: 'docs/gpt-generate.png' });
  console.log('docs/gpt-generate.png');

  const runs = Number(await page.getAttribute(w, 'data-runs'));
  await page.check(`${w} input[type=radio][value="beam"]`);
  await page.waitForFunction(({ w, runs }) => Number(document.querySelector(w).dataset.runs) > runs, { w, runs }, { timeout: 120_000 });
  await done();
  await page.locator(w).screenshot({ path: 'docs/gpt-beam.png' });
  console.log('docs/gpt-beam.png');

  const m = 'masked-self-attention';
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: m, lang: 'en', text: '床前明月光，疑是地上霜。', layer: '2', head: '1' })}`, browser.url).href);
  await page.waitForFunction((m) => document.querySelector(m)?.dataset.state === 'ready', m, { timeout: 120_000 });
  await page.hover(`${m} .tl-row[data-q="6"]`);
  await page.locator(m).screenshot({ path: 'docs/masked-self-attention-gpt.png' });
  console.log('docs/masked-self-attention-gpt.png');
}

/** AntiBERTy in the demo's fill-mask widget (www/e2e/robust.test.mjs checks these views): a
 * long sequence (three heavy chains) at phone width, wrapped, one button per residue, the
 * residue clicked masked; then English text typed in, with the warning that it is outside
 * the model's alphabet beside the species and chain. */
async function antiberty(page) {
  const heavy = 'EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS';
  const ready = () => page.waitForFunction(() => document.getElementById('fill-mask').dataset.state === 'ready' && document.querySelector('#fill-mask .tl-class-head'), null, { timeout: 120_000 });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(new URL('index.html?lang=en', browser.url).href);
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 120_000 });
  await page.click('#model-picker summary');
  await page.click('#load-antiberty');
  await page.waitForFunction(() => /AntiBERTy/.test(document.getElementById('model-name').textContent) && !/loading/.test(document.getElementById('model-name').textContent), null, { timeout: 120_000 });
  await ready();
  await page.click('#model-picker summary');
  await page.fill('#text', `EV[MASK]${heavy.slice(3)}${heavy}${heavy}`);
  await page.press('#text', 'Enter');
  await ready();
  await page.click('#words .tl-word >> nth=9');
  await page.waitForFunction(() => document.querySelectorAll('#fill-mask .tl-card').length === 2 && document.getElementById('fill-mask').dataset.state === 'ready', null, { timeout: 120_000 });
  await page.locator('#fill-mask').screenshot({ path: 'docs/antiberty-wrap.png' });
  console.log('docs/antiberty-wrap.png');
  await page.setViewportSize({ width: 900, height: 800 });
  await page.fill('#text', 'The man went to the [MASK] to buy some milk.');
  await page.press('#text', 'Enter');
  await page.waitForSelector('#fill-mask .tl-alphabet-warning', { timeout: 120_000 });
  await page.locator('#fill-mask .tl-classes').scrollIntoViewIfNeeded();
  await page.locator('section:has(#fill-mask)').screenshot({ path: 'docs/antiberty-alphabet.png' });
  console.log('docs/antiberty-alphabet.png');
}

/** <decoding-steps> at the step where </s> wins (greedy): the caption and the marked bar. */
async function eos(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  const w = 'decoding-steps';
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: w, lang: 'en', text: 'I would like a cup of coffee, please.', beam: '4' })}`, browser.url).href);
  await readThrough(page);
  await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', w, { timeout: 120_000 });
  await page.click(`${w} .tl-eos-jump`);
  await page.locator(w).screenshot({ path: 'docs/decoding-eos.png' });
  console.log('docs/decoding-eos.png');
}

/** A view whose last request failed over the drawing of an earlier one: the error, and the
 * drawing marked out of date (the attention map, its model's address made wrong). */
async function stale(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  const w = 'attention-map';
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: w, lang: 'en', model: 'translate', text: 'The cat sat on the mat.', layer: '3' })}`, browser.url).href);
  await readThrough(page);
  await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', w, { timeout: 120_000 });
  await page.evaluate((w) => document.querySelector(w).setAttribute('src', 'models/no-such-model'), w);
  await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'error', w, { timeout: 120_000 });
  await page.locator(w).screenshot({ path: 'docs/widget-stale.png' });
  console.log('docs/widget-stale.png');
}

/** <encoder-block> at 1280 px: "cat" through block 2 of the built-in English BERT, the two
 * residual skips, the strips, and the words under them (www/e2e/encoder-block.test.mjs). */
async function block(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  const w = 'encoder-block';
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: w, lang: 'en', text: 'The cat sat on the mat because it was warm.', layer: '2', token: '2' })}`, browser.url).href);
  await readThrough(page);
  await page.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', w, { timeout: 120_000 });
  await page.locator(w).screenshot({ path: 'docs/encoder-block.png' });
  console.log('docs/encoder-block.png');
}

/** The lecture's training tips (copying, guided attention) after teacher forcing
 * (www/e2e/training-tips.test.mjs). */
async function tips(page) {
  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  const sels = ['#tips cross-attention[copies]', '#tips cross-attention[diagonal]'];
  for (const sel of sels) {
    await page.locator(sel).scrollIntoViewIfNeeded();
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'ready', sel, { timeout: 120_000 });
  }
  await page.locator('#tips').screenshot({ path: 'docs/lecture-training-tips.png' });
  console.log('docs/lecture-training-tips.png');
}
