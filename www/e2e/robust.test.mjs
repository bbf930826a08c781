// The lecture page a teacher would publish (issue 13), in headless Chromium, by content:
// AntiBERTy's long sequences wrap, a click masks the very residue clicked, and text outside
// its alphabet is warned about beside the species and chain (the alphabet read from its
// tokenizer); a failed model load or request leaves the widget usable, with no stale answer
// under the error (cleared, or marked out of date); the decoding view points at the step where
// </s> wins; every widget names the model it runs (built in or loaded, name and size); no
// "null", "undefined" or "NaN" in any widget's text; "self-supervised" / 自监督 in the prose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allAnswered, launch, outcome, readThrough, repo, runs } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const at = (p, params) => {
  const url = new URL(p, browser.url);
  if (params) url.search = new URLSearchParams(params).toString();
  return url.href;
};

// trastuzumab's heavy chain, AntiBERTy's example (models/index.json).
const HEAVY = 'EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS';
const LONG = `EV[MASK]${HEAVY.slice(3)}${HEAVY}${HEAVY.slice(0, 50)}[MASK]${HEAVY.slice(51)}`;

/** AntiBERTy's alphabet as its tokenizer.json has it: the one-character entries of its vocabulary. */
function antibertyAlphabet() {
  const tok = JSON.parse(fs.readFileSync(path.join(repo, 'models/antiberty/tokenizer.json'), 'utf8'));
  return Object.keys(tok.model.vocab).filter((t) => [...t].length === 1).sort();
}

/** index.html in `lang` with the built-in AntiBERTy loaded in the fill-mask widget. */
async function antibertyPage(lang = 'en', viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  await page.goto(at('index.html', { lang }));
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 60_000 });
  await page.click('#model-picker summary');
  await page.click('#load-antiberty');
  await page.waitForFunction(
    () => /AntiBERTy/.test(document.getElementById('model-name').textContent) && document.getElementById('fill-mask').dataset.state === 'ready' && document.querySelector('#fill-mask .tl-class-head'),
    null,
    { timeout: 60_000 },
  );
  await page.click('#model-picker summary'); // closed again
  return page;
}

/** Types `text` into the fill-mask widget and waits for its answer; returns its state. */
async function fillWith(page, text, sel = '#fill-mask') {
  const n = await runs(page, sel);
  await page.fill(`${sel} .tl-input-text`, text);
  await page.press(`${sel} .tl-input-text`, 'Enter');
  return outcome(page, sel, n);
}

const noWider = (page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));

test('AntiBERTy: a long sequence wraps; the page is never wider than the window (1280 and 375 px)', async () => {
  const page = await antibertyPage('en');
  assert.equal(await fillWith(page, LONG), 'ready');
  assert.equal(await page.$$eval('#fill-mask .tl-card', (c) => c.length), 2);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const { scroll, inner } = await noWider(page);
    assert.ok(scroll <= inner, `${width} px: the page is ${scroll} px wide`);
    // The residues run over several lines, inside the widget.
    const box = await page.$eval('#fill-mask', (w) => {
      const right = w.getBoundingClientRect().right;
      const words = [...w.querySelectorAll('#words .tl-word')].map((b) => b.getBoundingClientRect());
      const filled = w.querySelector('#filled').getBoundingClientRect();
      return { right, lines: new Set(words.map((r) => Math.round(r.top))).size, widest: Math.max(...words.map((r) => r.right)), filled: filled.right, filledHeight: filled.height };
    });
    assert.ok(box.lines > 1, `${width} px: the residues wrap (${box.lines} line)`);
    assert.ok(box.widest <= box.right && box.filled <= box.right, `${width} px: the sequence stays inside the widget`);
  }
  // The lecture's form of the widget (a model box, no buttons), through embed.html.
  const embed = await browser.newPage();
  for (const width of [1280, 375]) {
    await embed.setViewportSize({ width, height: 900 });
    await embed.goto(at('embed.html', { widget: 'bert-fill-mask', lang: 'en', picker: '', src: 'models/antiberty', 'top-k': '3', text: LONG }));
    await readThrough(embed); // (AntiBERTy is large: it loads on a click of "Load model")
    await embed.waitForFunction(() => document.querySelector('bert-fill-mask')?.dataset.state === 'ready' && document.querySelector('.tl-class-head'), null, { timeout: 60_000 });
    const { scroll, inner } = await noWider(embed);
    assert.ok(scroll <= inner, `embed, ${width} px: the page is ${scroll} px wide`);
  }
  assert.deepEqual([...page.problems, ...embed.problems], []);
  await embed.close();
  await page.close();
});

test('AntiBERTy: one button per residue; a click masks that residue, a second puts it back; a mask of the text takes the model’s answer', async () => {
  const page = await antibertyPage('en');
  const example = await page.inputValue('#text');
  const words = () => page.$$eval('#words .tl-word', (b) => b.map((x) => x.textContent));
  const before = await words();
  // One button per residue or mask: the text's letters, with each [MASK] as one.
  assert.deepEqual(before, example.split(/(\[MASK\])/).flatMap((p) => (p === '[MASK]' ? [p] : [...p])));
  assert.match(await page.textContent('#words-hint'), /one token per letter/);
  // Residue 10 (G, the 10th button counting the mask at 3) is the one masked.
  const i = 9;
  assert.equal(before[i], example.replace('[MASK]', '#')[i]);
  assert.equal(await page.getAttribute(`#words .tl-word >> nth=${i}`, 'title'), `Mask ${before[i]} (position ${i + 1})`);
  let n = await runs(page, '#fill-mask');
  await page.click(`#words .tl-word >> nth=${i}`);
  const masked = [...before];
  masked[i] = '[MASK]';
  assert.equal(await page.inputValue('#text'), masked.join(''));
  assert.equal(await outcome(page, '#fill-mask', n), 'ready');
  assert.deepEqual(await words(), masked, 'the other residues keep their places');
  assert.deepEqual(await page.$$eval('#fill-mask .tl-card h3', (h) => h.map((x) => x.textContent)), ['mask 1 of 3', 'mask 2 of 3', 'mask 3 of 3']);
  // The card of that mask is the one at its token position ([CLS] first).
  assert.equal(await page.getAttribute('#fill-mask .tl-card[data-mask="2"]', 'data-position'), String(i + 1));
  // A second click: the residue comes back, not a deletion.
  n = await runs(page, '#fill-mask');
  await page.click(`#words .tl-word >> nth=${i}`);
  assert.equal(await page.inputValue('#text'), example);
  assert.equal(await outcome(page, '#fill-mask', n), 'ready');
  // The example's own first mask (Q3 of trastuzumab): a click puts the model's answer there.
  const answer = await page.$eval('#fill-mask .tl-card[data-mask="1"] li .tl-tok', (t) => t.textContent);
  assert.equal(answer, 'Q');
  assert.equal(await page.getAttribute('#words .tl-word.masked >> nth=0', 'title'), 'Put the model’s answer here');
  await page.click('#words .tl-word.masked >> nth=0');
  assert.equal(await page.inputValue('#text'), example.replace('[MASK]', 'Q'));
  assert.equal((await page.inputValue('#text')).length, example.length - '[MASK]'.length + 1, 'nothing deleted');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('AntiBERTy: text outside its alphabet is warned about beside species and chain (English and 中文); a sequence is not', async () => {
  const alphabet = antibertyAlphabet();
  assert.deepEqual(alphabet, [...'ACDEFGHIKLMNPQRSTVWY'], 'the 20 amino acids');
  const page = await antibertyPage('en');
  assert.equal(await page.$$eval('.tl-alphabet-warning', (w) => w.length), 0, 'no warning on the example');
  assert.equal(await page.getAttribute('#fill-mask .tl-classes', 'data-outside'), '0');
  const english = 'The man went to the [MASK] to buy some milk.';
  assert.equal(await fillWith(page, english), 'ready');
  const warning = await page.textContent('#fill-mask .tl-classes .tl-alphabet-warning');
  // Characters not counting spaces and the mask: 29; T is threonine, the rest lowercase or '.'.
  assert.match(warning, /^Most of this text is outside the model’s alphabet: 28 of 29 characters \(such as h, e, m, a, n\) are not tokens it knows, so it reads them as \[UNK\]\./);
  assert.ok(warning.includes(`It reads only ${alphabet.join(' ')} and [MASK].`), warning);
  assert.match(warning, /The classes below are not meaningful for this text\.$/);
  // The warning is next to the classes, which stay, marked.
  assert.equal(await page.$eval('#fill-mask .tl-classes', (c) => c.firstElementChild.className), 'tl-note tl-alphabet-warning');
  assert.equal(await page.$$eval('#fill-mask .tl-classes.tl-unreliable .tl-class-head', (h) => h.length), 2);
  // 中文.
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.waitForFunction(() => /字母表/.test(document.querySelector('#fill-mask .tl-alphabet-warning')?.textContent));
  const zh = await page.textContent('#fill-mask .tl-alphabet-warning');
  assert.match(zh, /^这段文本大部分不在模型的字母表里：29 个字符中有 28 个（例如 h、e、m、a、n）不是它认识的词元，它把这些字符读成 \[UNK\]。/);
  assert.ok(zh.includes(`它只认识 ${alphabet.join(' ')} 和 [MASK]。`), zh);
  assert.match(zh, /下面的分类结果对这段文本没有意义。$/);
  await page.click('tlab-lang-switch button[data-lang="en"]');
  // A sequence with spaces every ten residues (as FASTA viewers print it) and a few unknown X:
  // mostly in the alphabet, no warning.
  const spaced = `${HEAVY.slice(0, 3)}[MASK]${HEAVY.slice(4, 40)}XX${HEAVY.slice(42)}`.replace(/(.{10})/g, '$1 ');
  assert.equal(await fillWith(page, spaced), 'ready');
  assert.equal(await page.$$eval('.tl-alphabet-warning', (w) => w.length), 0);
  assert.equal(await page.getAttribute('#fill-mask .tl-classes', 'data-outside'), '2');
  assert.equal(await page.$$eval('#fill-mask .tl-classes.tl-unreliable', (c) => c.length), 0);
  assert.equal(await page.getAttribute('#fill-mask .tl-class-head[data-head="chain"]', 'data-label'), 'Heavy');
  // The English model has no classifiers: no check, no warning.
  await page.click('#model-picker summary');
  await page.click('#load-default');
  await page.waitForFunction(() => !/AntiBERTy|loading/.test(document.getElementById('model-name').textContent));
  assert.equal(await fillWith(page, english), 'ready');
  assert.equal(await page.$$eval('.tl-alphabet-warning', (w) => w.length), 0);
  assert.equal(await page.isHidden('#fill-mask .tl-classes'), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('fill-mask: a failed load leaves the default model usable; a failed request clears the old answer', async () => {
  const page = await browser.newPage();
  await page.goto(at('index.html', { lang: 'en' }));
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 60_000 });
  const header = { name: await page.textContent('#model-name'), info: await page.textContent('#model-info') };
  assert.match(header.name, /^built in: /);
  await page.click('#model-picker summary');
  for (const [url, why] of [
    [at('models/no-such-model'), /could not download .*no-such-model\/config\.json: HTTP 404/],
    [at('_test/html/some-model'), /is a web page \(text\/html\), not a model file/],
  ]) {
    await page.fill('#model-url', url);
    await page.click('#load-url');
    await page.waitForFunction(() => /Could not load the model/.test(document.getElementById('error').textContent) && !/loading/.test(document.getElementById('model-name').textContent));
    assert.match(await page.textContent('#error'), why);
    assert.equal(await page.textContent('#model-name'), header.name, 'the default model is named, with no "(failed)"');
    assert.equal(await page.textContent('#model-info'), header.info);
    assert.equal(await page.isEnabled('#fill'), true);
    assert.equal(await page.isHidden('#progress'), true);
  }
  // The default model answers the next request.
  assert.equal(await fillWith(page, 'The cat sat on the [MASK].'), 'ready');
  assert.equal(await page.$$eval('#fill-mask .tl-card', (c) => c.length), 1);
  assert.match(await page.textContent('#filled'), /^The cat sat on the \S+\.$/);
  // A request that fails: its error, and no answer of the text before under it.
  assert.equal(await fillWith(page, 'No mask in this sentence.'), 'error');
  assert.match(await page.textContent('#error'), /no \[MASK\] to fill/);
  assert.equal(await page.$$eval('#fill-mask .tl-card', (c) => c.length), 0);
  assert.equal(await page.textContent('#filled'), '');
  assert.equal(await page.isEnabled('#fill'), true);
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
  await page.close();
});

test('translation: a model that does not load, or a request that fails, clears the old translation; the widget recovers', async () => {
  const page = await browser.newPage();
  await page.goto(at('index.html', { lang: 'en' }));
  const w = '#translate';
  assert.equal(await outcome(page, w), 'ready');
  const first = await page.textContent('#tr-output');
  assert.equal(first, 'O gato sentou-se no tapete.');
  assert.match(await page.textContent(`${w} .tl-model-used`), /^Model: built in: Bergamot tiny English → Portuguese · 6-layer encoder, 2-layer decoder · width 256 · vocabulary \d+$/);
  // A model address that is not there.
  let n = await runs(page, w);
  await page.evaluate((src) => document.getElementById('translate').setAttribute('src', src), at('models/no-such-translator'));
  assert.equal(await outcome(page, w, n), 'error');
  assert.match(await page.textContent('#tr-error'), /no-such-translator\/config\.json: HTTP 404/);
  assert.equal(await page.textContent('#tr-output'), '', 'no translation of the model before under the error');
  assert.equal(await page.isHidden(`${w} .tl-model-used`), true, 'no model is named while none answers');
  assert.equal(await page.isEnabled('#tr-go'), true);
  // Back to the built-in model: it answers again.
  n = await runs(page, w);
  await page.evaluate(() => document.getElementById('translate').removeAttribute('src'));
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.textContent('#tr-output'), first);
  assert.equal(await page.isHidden('#tr-error'), true);
  assert.match(await page.textContent(`${w} .tl-model-used`), /^Model: built in: Bergamot/);
  // A request that fails (beam width out of range): the old translation goes.
  await page.check('#tr-mode-beam');
  await outcome(page, w, n + 1);
  n = await runs(page, w);
  await page.fill('#tr-beam', '99');
  await page.click('#tr-go');
  assert.equal(await outcome(page, w, n), 'error');
  assert.match(await page.textContent('#tr-error'), /The beam width must be a whole number from 2 to 8/);
  assert.equal(await page.textContent('#tr-output'), '');
  assert.equal(await page.$$eval(`${w} .tl-body *`, (e) => e.length), 0, 'no n-best list either');
  assert.equal(await page.isEnabled('#tr-go'), true);
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
  await page.close();
});

test('views: an error over an earlier drawing marks it out of date (English and 中文), until a request answers', async () => {
  const page = await browser.newPage();
  const w = 'decoding-steps';
  await page.goto(at('embed.html', { widget: w, lang: 'en', text: 'The cat sat on the mat.', beam: '2' }));
  assert.equal(await outcome(page, w), 'ready');
  assert.equal(await page.$$eval(`${w} .tl-stale-note`, (e) => e.length), 0);
  const translation = await page.textContent(`${w} .tl-col-greedy .tl-translation`);
  let n = await runs(page, w);
  await page.evaluate((src) => document.querySelector('decoding-steps').setAttribute('src', src), at('models/no-such-model'));
  assert.equal(await outcome(page, w, n), 'error');
  assert.match(await page.textContent(`${w} .tl-error`), /HTTP 404/);
  // The old drawing stays (its text field is part of it), marked and faded.
  assert.equal(await page.textContent(`${w} .tl-col-greedy .tl-translation`), translation);
  assert.equal(await page.textContent(`${w} .tl-body > .tl-stale-note`), 'Out of date: the figure below is from the last input that worked, not from the input now (see the error above).');
  assert.equal(await page.$eval(`${w} .tl-body`, (b) => b.classList.contains('tl-stale')), true);
  assert.equal(await page.$eval(`${w} .tl-side`, (e) => getComputedStyle(e).opacity), '0.35');
  assert.equal(await page.$eval(`${w} .tl-body .tl-field`, (e) => getComputedStyle(e).opacity), '1', 'the text field is not faded');
  assert.equal(await page.isHidden(`${w} .tl-model-used`), true);
  // 中文, and stepping (a redraw) keep the mark.
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.equal(await page.textContent(`${w} .tl-body > .tl-stale-note`), '已过时：下面的图来自上一次成功的输入，不是现在的输入（见上面的错误）。');
  await page.click(`${w} .tl-next`);
  assert.equal(await page.$$eval(`${w} .tl-body > .tl-stale-note`, (e) => e.length), 1);
  // The model back: the mark goes.
  n = await runs(page, w);
  await page.evaluate(() => document.querySelector('decoding-steps').removeAttribute('src'));
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.$$eval(`${w} .tl-stale-note`, (e) => e.length), 0);
  assert.equal(await page.$eval(`${w} .tl-body`, (b) => b.classList.contains('tl-stale')), false);
  assert.match(await page.textContent(`${w} .tl-model-used`), /^模型：内置：Bergamot/);
  // A model loaded by address is named as loaded, by that address, with its size.
  const marian = at('hub/test-org/marian-swish/resolve/main');
  n = await runs(page, w);
  await page.evaluate((src) => document.querySelector('decoding-steps').setAttribute('src', src), marian);
  assert.equal(await outcome(page, w, n), 'ready');
  assert.equal(await page.textContent(`${w} .tl-model-used`), await page.$eval(w, (el, url) => {
    const i = el.modelShown.info;
    return `模型：已加载：${url} · ${i.encoder_layers} 层编码器、${i.decoder_layers} 层解码器 · 宽度 ${i.d_model} · 词表 ${i.vocab_size}`;
  }, marian));
  assert.equal(await page.getAttribute(`${w} .tl-model-used`, 'data-builtin'), 'false');
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
  await page.close();
});

test('decoding steps: the step where </s> wins is pointed out, at the end of greedy decoding (English and 中文)', async () => {
  const page = await browser.newPage();
  const w = 'decoding-steps';
  for (const [lang, caption, jump] of [
    ['en', '</s> wins here: the model decides the output ends.', 'Go to the step where </s> wins'],
    ['zh', '</s> 在这一步胜出：由模型自己决定输出到此结束。', '跳到 </s> 胜出的那一步'],
  ]) {
    await page.goto(at('embed.html', { widget: w, lang, text: 'I would like a cup of coffee, please.', beam: '4' }));
    assert.equal(await outcome(page, w), 'ready');
    const steps = await page.evaluate(async () => {
      const el = document.querySelector('decoding-steps');
      return { greedy: el.data.greedy.trace.length, eos: Number(el.dataset.eosStep) };
    });
    assert.ok(steps.greedy > 3, `${steps.greedy} greedy steps`);
    assert.equal(steps.eos, steps.greedy, 'the last greedy step');
    // Not at step 1: no caption, a button that goes there.
    assert.equal(await page.$$eval(`${w} .tl-eos-note`, (e) => e.length), 0);
    assert.equal(await page.textContent(`${w} .tl-eos-jump`), jump);
    await page.click(`${w} .tl-eos-jump`);
    assert.match(await page.textContent(`${w} .tl-step.tl-eos-step`), new RegExp(`${steps.eos}`));
    assert.equal(await page.textContent(`${w} .tl-col-greedy .tl-eos-note`), caption);
    // That step's top candidate, the chosen one, is the end of the sentence.
    const top = await page.$eval(`${w} .tl-col-greedy .tl-bars li:first-child`, (li) => ({ tok: li.querySelector('.tl-tok').textContent, chosen: li.classList.contains('chosen'), eos: li.classList.contains('tl-eos') }));
    assert.deepEqual(top, { tok: '</s>', chosen: true, eos: true });
    assert.equal(await page.$$eval(`${w} .tl-eos-jump`, (e) => e.length), 0);
    // After it greedy decoding has finished.
    if (await page.isEnabled(`${w} .tl-next`)) {
      await page.click(`${w} .tl-next`);
      assert.equal(await page.$$eval(`${w} .tl-col-greedy .tl-bars`, (e) => e.length), 0);
      assert.equal(await page.$$eval(`${w} .tl-eos-note`, (e) => e.length), 0);
    }
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** Every widget shown on the page, read through (harness.mjs allAnswered: scrolled to, and
 * large models' "Load model" pressed), has shown an outcome, and no model box is loading. */
async function settled(page) {
  await allAnswered(page);
  await page.waitForFunction(() => ![...document.querySelectorAll('.tl-picker summary')].some((s) => /loading|加载中/.test(s.textContent)), null, { timeout: 180_000 });
  await allAnswered(page);
}

/** The visible widgets' statements of their model: the shared model line, a model box's
 * header or the fine-tuning widget's encoder line. */
function modelStatements(page) {
  return page.$$eval('.tl-widget', (ws) =>
    ws
      .filter((w) => w.checkVisibility())
      .map((w) => {
        const line = [...w.querySelectorAll('.tl-model-used, .tl-picker > summary, .tl-ft-model')].find((e) => e.checkVisibility());
        return { widget: `${w.tagName.toLowerCase()}${w.getAttribute('model') ? `[${w.getAttribute('model')}]` : ''}`, text: line?.textContent ?? '(none)' };
      }),
  );
}

const STATES = {
  en: [
    /^Model: (built in|loaded): \S.* · (\d+ layers · hidden \d+( · [\d.]+ M parameters)?|\d+-layer encoder, \d+-layer decoder · width \d+ · vocabulary \d+)$/,
    /^Model: (built in: \S.* \d+ layers · hidden \d+|none loaded)/,
    /^Encoder — (built in|loaded): \S.* · \d+ layers · hidden \d+ \(/,
  ],
  zh: [
    /^模型：(内置|已加载)：\S.* · (\d+ 层 · 隐藏维度 \d+( · [\d.]+ M 参数)?|\d+ 层编码器、\d+ 层解码器 · 宽度 \d+ · 词表 \d+)$/,
    /^模型： (内置：\S.* \d+ 层 · 隐藏维度 \d+|未加载)/,
    /^编码器——(内置|已加载)：\S.* · \d+ 层 · 隐藏维度 \d+（/,
  ],
};

/** The visible widgets whose text has a stray null, undefined or NaN. */
function strayWords(page) {
  return page.$$eval('.tl-widget', (ws) =>
    ws
      .filter((w) => w.checkVisibility())
      .map((w) => ({ widget: w.tagName.toLowerCase(), hit: w.innerText.match(/\b(null|undefined|NaN)\b/)?.[0] }))
      .filter((x) => x.hit),
  );
}

test('lecture page (English, then 中文): every widget names its model with its size; no null, undefined or NaN; pre-training is self-supervised', async () => {
  const page = await browser.newPage();
  await page.goto(at('lecture.html', { lang: 'en' }));
  await settled(page);
  for (const lang of ['en', 'zh']) {
    if (lang === 'zh') {
      await page.click('tlab-lang-switch button[data-lang="zh"]');
      await settled(page);
    }
    const statements = await modelStatements(page);
    assert.ok(statements.length >= 14, `${statements.length} widgets`);
    for (const { widget, text } of statements) assert.ok(STATES[lang].some((re) => re.test(text)), `${lang} ${widget}: "${text}"`);
    // The views with no model box of their own use the shared line, and name the model they ran.
    const lines = await page.$$eval('.tl-widget .tl-model-used', (ls) => ls.filter((l) => l.checkVisibility()).map((l) => [l.closest('.tl-widget').tagName.toLowerCase(), l.dataset.builtin]));
    const viewTags = new Set(lines.map(([tag]) => tag));
    for (const tag of ['tokenizer-view', 'attention-map', 'masked-self-attention', 'cross-attention', 'teacher-forcing', 'decoding-steps', 'bert-pretraining']) {
      assert.ok(viewTags.has(tag), `${lang}: ${tag} has the model line`);
    }
    assert.ok(lines.every(([, builtin]) => builtin === 'true'), 'the lecture runs built-in models');
    assert.deepEqual(await strayWords(page), [], lang);
    const prose = await page.$$eval(`#masking p.${lang}, #heads p.${lang}`, (ps) => ps.filter((p) => p.checkVisibility()).map((p) => p.textContent).join('\n'));
    const word = lang === 'en' ? /pre-training is self-supervised/ : /预训练是自监督/;
    assert.match(prose, word, `${lang}: #masking`);
    assert.match(prose, lang === 'en' ? /\(section 7\) is self-supervised: its labels come from the text itself/ : /（第 7 节）是自监督学习：它的标签来自文本本身/, `${lang}: #heads`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('demo page and masked self-attention of the translation model: no null, undefined or NaN (English and 中文)', async () => {
  const page = await browser.newPage();
  for (const lang of ['en', 'zh']) {
    await page.goto(at('index.html', { lang }));
    await settled(page);
    assert.ok((await page.$$('.tl-widget')).length >= 4);
    assert.deepEqual(await strayWords(page), [], `index.html ${lang}`);
    for (const params of [{}, { model: 'translate' }]) {
      await page.goto(at('embed.html', { widget: 'masked-self-attention', lang, text: '床前明月光，疑是地上霜。', ...params }));
      assert.equal(await outcome(page, 'masked-self-attention'), 'ready');
      const text = await page.$eval('masked-self-attention', (w) => w.innerText);
      assert.doesNotMatch(text, /\b(null|undefined|NaN)\b/, `${lang} ${JSON.stringify(params)}`);
      // Directly under the text field: the layer controls or the note, never a stray word.
      const after = await page.$eval('masked-self-attention .tl-field', (f) => f.nextSibling?.nodeType === Node.TEXT_NODE ? f.nextSibling.textContent : f.nextElementSibling?.className);
      assert.ok(after && !/null/.test(after), `${lang} ${JSON.stringify(params)}: ${after}`);
      assert.match(await page.textContent('masked-self-attention .tl-model-used'), params.model ? /Bergamot tiny/ : /GPT-2/);
    }
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});
