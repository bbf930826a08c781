// The lecture views and widgets in headless Chromium, checked by content: attention rows are
// distributions, the causal grid's upper triangle is empty, the beam tree's best path is the
// translation shown, teacher forcing's log-likelihood equals the CLI's, the pre-training view
// re-rolls, BERT's half in the lecture's order (pre-training with next-sentence prediction,
// the four fine-tuning cases, fine-tuning in the page: each widget names its model, built in
// or loaded, and those with no built-in model say what they need), embed.html sizes its
// iframe, the 中文 switch, 375 px width and keyboard use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launch, repo, heatRows, allAnswered } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const TOL = 1e-3;

/** models/nsp-en (tools/prepare-models.sh) installed: <bert-nsp> has a built-in head. */
const nspBuiltIn = fs.existsSync(path.join(repo, 'models/nsp-en/head.safetensors'));

/** The widgets whose task has no built-in model: they wait for one, saying what they need. */
const WAITING = ['BERT-CLASSIFY', 'BERT-QA', ...(nspBuiltIn ? [] : ['BERT-NSP'])];
const NEEDS = /No model is loaded: this widget needs /;

/** Every widget shown, scrolled into view as a reader would (they load their models when
 * near the viewport; AntiBERTy's, over 50 MB, on a click), has an outcome. */
async function allReady(page) {
  await allAnswered(page, { timeout: 120_000 });
  const errors = await page.$$eval('.tl-widget[data-state="error"]', (ws) =>
    ws.map((w) => ({ tag: w.tagName, error: w.querySelector('.tl-error')?.textContent ?? '' })),
  );
  const failed = errors.filter((e) => !(WAITING.includes(e.tag) && NEEDS.test(e.error)));
  assert.deepEqual(failed.map((e) => `${e.tag}: ${e.error}`), []);
}

function assertRowsSumToOne(rows, what) {
  for (const [q, row] of rows.entries()) {
    const s = row.reduce((a, c) => a + (c.v ?? 0), 0);
    assert.ok(Math.abs(s - 1) < TOL, `${what}: row ${q} sums to ${s}`);
  }
}

let lecture; // one loaded lecture page, shared by the content checks
async function lecturePage() {
  if (!lecture) {
    lecture = await browser.newPage();
    await lecture.goto(new URL('lecture.html?lang=en', browser.url).href);
    await allReady(lecture);
  }
  return lecture;
}

test('tokenizer views: WordPiece and SentencePiece pieces, special tokens marked', async () => {
  const page = await lecturePage();
  const views = await page.$$eval('tokenizer-view', (vs) =>
    vs.map((v) => [...v.querySelectorAll('.tl-piece')].map((p) => ({ text: p.querySelector('.tl-piece-text').textContent, special: p.dataset.special === 'true' }))),
  );
  const [bert, marian] = views;
  assert.ok(bert[0].special && bert.at(-1).special, 'BERT: [CLS] … [SEP] marked special');
  assert.ok(bert.slice(1, -1).some((p) => !p.special));
  assert.ok(marian.at(-1).special, 'translation: </s> marked special');
  assert.ok(marian.some((p) => p.text.startsWith('▁')), 'SentencePiece marks word starts with ▁');
});

test('attention maps: every row (head average and single heads) sums to 1', async () => {
  const page = await lecturePage();
  for (const sel of ['attention-map[model="translate"]', 'attention-map[model="bert"]']) {
    const rows = await heatRows(page, sel);
    assert.ok(rows.length > 3);
    assertRowsSumToOne(rows, `${sel} (average)`);
    await page.selectOption(`${sel} .tl-select-head`, '2');
    await page.waitForFunction((s) => document.querySelector(s).dataset.head === '2', sel);
    assertRowsSumToOne(await heatRows(page, sel), `${sel} head 2`);
  }
  // Hovering a cell shows its value.
  await page.hover('attention-map[model="translate"] .tl-cell[data-q="1"][data-k="1"]');
  assert.match(await page.textContent('attention-map[model="translate"] .tl-readout'), /→ .*: \d\.\d{4}/);
});

test("masked self-attention of the translation model (direction=…): its SSRU decoder has none, the view says so; upper triangle empty while stepping", async () => {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: 'masked-self-attention', direction: 'en-pt', text: 'The cat sat on the mat.' })}`, browser.url).href);
  await allReady(page);
  const sel = 'masked-self-attention';
  assert.equal(await page.getAttribute(sel, 'data-mode'), 'translate');
  assert.equal(await page.getAttribute(sel, 'data-decoder'), 'ssru');
  assert.ok(await page.isVisible(`${sel} .tl-ssru`));
  const rows = await heatRows(page, sel);
  for (const [q, row] of rows.entries()) {
    for (const c of row) assert.equal(c.v === null, c.k > q, `cell ${q},${c.k}`);
  }
  await page.click(`${sel} .tl-prev`);
  const after = await heatRows(page, sel);
  assert.ok(after.at(-1).every((c) => c.v === null), 'the last row is not yet written after stepping back');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('masked self-attention of a decoder with real self-attention (Hugging Face Marian, via embed.html)', async () => {
  const page = await browser.newPage();
  const q = new URLSearchParams({
    widget: 'masked-self-attention',
    src: '/hub/test-org/marian-swish/resolve/main',
    text: 'The man went to the market to buy some milk.',
    reference: 'the man went to market',
    layer: '2',
    head: '1',
  });
  await page.goto(new URL(`embed.html?${q}`, browser.url).href);
  await allReady(page);
  assert.equal(await page.getAttribute('masked-self-attention', 'data-mode'), 'translate', 'a reference names the translation view');
  assert.equal(await page.getAttribute('masked-self-attention', 'data-decoder'), 'attention');
  const rows = await heatRows(page, 'masked-self-attention');
  for (const [i, row] of rows.entries()) {
    for (const c of row) assert.equal(c.v === null, c.k > i, `cell ${i},${c.k}: future must be blank`);
  }
  assertRowsSumToOne(rows, 'decoder self-attention');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('cross-attention: one row per target token, each a distribution over the source', async () => {
  const page = await lecturePage();
  const rows = await heatRows(page, 'cross-attention');
  assert.ok(rows.length > 2);
  assertRowsSumToOne(rows, 'cross-attention');
});

test("decoding steps: the beam tree's best path is the translation shown; step controls work", async () => {
  const page = await lecturePage();
  const sel = 'decoding-steps';
  const stepText = () => page.textContent(`${sel} .tl-step`);
  const first = await stepText();
  await page.click(`${sel} .tl-next`);
  assert.notEqual(await stepText(), first);
  assert.equal(await page.$$eval(`${sel} .tl-col-greedy li.chosen`, (l) => l.length), 1, 'greedy marks the chosen token');
  // Jump to the last step (Next until disabled), then read the whole tree.
  while (await page.isEnabled(`${sel} .tl-next`)) await page.click(`${sel} .tl-next`);
  const tokens = JSON.parse(await page.getAttribute(`${sel} .tl-beam-translation`, 'data-tokens'));
  const best = await page.$$eval(`${sel} .tl-node.best`, (gs) =>
    gs.map((g) => [Number(g.dataset.depth), g.dataset.token]).sort((a, b) => a[0] - b[0]).map((x) => x[1]),
  );
  assert.deepEqual(best.slice(0, tokens.length), tokens);
  assert.ok(best.length === tokens.length || best.length === tokens.length + 1, 'at most the end-of-sentence token more');
  assert.ok(await page.$(`${sel} .tl-node.pruned`), 'the tree shows pruned prefixes');
  assert.ok(await page.$(`${sel} .tl-node.finished`), 'the tree shows finished hypotheses');
});

test("teacher forcing: the log-likelihood shown equals the CLI's", async () => {
  const page = await lecturePage();
  const sel = 'teacher-forcing';
  const text = await page.getAttribute(sel, 'text');
  const reference = await page.getAttribute(sel, 'reference');
  const shown = Number(await page.getAttribute(sel, 'data-log-likelihood'));
  const tlab = path.join(path.resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target'), 'release/tlab');
  if (!fs.existsSync(tlab)) execFileSync('cargo', ['build', '--release', '-q', '-p', 'tlab-cli'], { cwd: repo, stdio: 'inherit' });
  const cli = JSON.parse(execFileSync(tlab, ['teacher-force', '--json', '--direction', 'en-pt', '--reference', reference, text], { cwd: repo }));
  assert.ok(Math.abs(shown - cli.log_likelihood) < TOL, `page ${shown} vs CLI ${cli.log_likelihood}`);
  const perPosition = await page.$$eval(`${sel} tr[data-logp]`, (r) => r.map((x) => Number(x.dataset.logp)));
  assert.equal(perPosition.length, cli.positions.length);
  assert.match(await page.textContent(`${sel} .tl-free`), /“.+”/, 'free-running output shown for contrast');
});

test('BERT pre-training: 80/10/10 masking shown with predictions and loss; re-roll draws again', async () => {
  const page = await lecturePage();
  const sel = 'bert-pretraining';
  const read = () =>
    page.$eval(sel, (w) => ({
      loss: Number(w.dataset.loss),
      chosen: [...w.querySelectorAll('.tl-card')].map((c) => `${c.dataset.position}:${c.dataset.kind}`).join(' '),
      cards: w.querySelectorAll('.tl-card .tl-bars li').length,
    }));
  const a = await read();
  assert.ok(a.loss > 0 && Number.isFinite(a.loss));
  assert.ok(a.chosen.length > 0 && a.cards > 0);
  let b = a;
  for (let i = 0; i < 5 && b.chosen === a.chosen; i++) {
    await page.click(`${sel} .tl-reroll`);
    await page.waitForFunction((s) => document.querySelector(s).dataset.state === 'ready', sel);
    b = await read();
  }
  assert.notEqual(b.chosen, a.chosen, 're-rolling changes the masking');
});

/** The text of every shown .en (or .zh) element under `sel`, joined. */
const prose = (page, sel, lang = 'en') => page.$$eval(`${sel} p.${lang}`, (ps) => ps.map((p) => p.textContent).join('\n'));

test("BERT's pre-training: the fill-in-the-blank box names the built-in model; next-sentence prediction, built in or asking for a checkpoint", async () => {
  const page = await lecturePage();
  const fill = '#masking bert-fill-mask';
  assert.match(await page.textContent(`${fill} .tl-picker summary`), /^Model: built in: .+ 6 layers · hidden 384/);
  assert.ok((await page.$$(`${fill} .tl-card li`)).length === 5);
  const nsp = '#masking bert-nsp';
  if (nspBuiltIn) {
    assert.equal(await page.getAttribute(nsp, 'data-state'), 'ready', await page.textContent(`${nsp} .tl-error`));
    assert.match(await page.textContent(`${nsp} .tl-picker summary`), /^Model: built in: /);
    const p = await page.$$eval(`${nsp} .tl-bars li`, (lis) => lis.map((li) => Number(li.dataset.p)));
    assert.equal(p.length, 2);
    assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-6);
  } else {
    assert.equal(await page.getAttribute(nsp, 'data-state'), 'error');
    assert.match(await page.textContent(`${nsp} .tl-error`), /models\/nsp-en\/config\.json: HTTP 404[\s\S]*needs a checkpoint with BERT’s next-sentence head/);
    assert.match(await page.textContent(`${nsp} .tl-picker summary`), /none loaded/);
  }
  // The lecture's point about NSP, with the numbers left to the model card.
  const text = await prose(page, '#masking');
  assert.match(text, /another document than when it comes from the same document/);
  assert.match(text, /assets\/nsp-en\/MODEL_CARD\.md/);
});

test("pre-train, then fine-tune: the lecture's four cases in order, one widget each, built in or saying what it needs", async () => {
  const page = await lecturePage();
  const sec = '#heads';
  assert.deepEqual(await page.$$eval(`${sec} > h3 .en`, (hs) => hs.map((x) => x.textContent.replace(/:.*/, ''))), ['Case 1', 'Case 2', 'Case 3', 'Case 4']);
  // The widgets in the section's order: each case's after its heading.
  const order = await page.$$eval(`${sec} > h3, ${sec} > .tl-widget`, (els) =>
    els.map((e) => (e.tagName === 'H3' ? '|' : e.tagName.toLowerCase() + (e.getAttribute('src') ? `[${e.getAttribute('src')}]` : '') + (e.hasAttribute('pair') ? '[pair]' : ''))),
  );
  assert.deepEqual(order, ['|', 'bert-classify', 'bert-fill-mask[models/antiberty]', '|', 'bert-tag', '|', 'bert-classify[pair]', '|', 'bert-qa']);
  const [single, pair] = [`${sec} bert-classify:not([pair])`, `${sec} bert-classify[pair]`];

  // Case 1: no classifier is built in. The widget says what it needs, its box is open for a
  // hub name, and the prose suggests one.
  for (const w of [single, pair]) {
    assert.equal(await page.getAttribute(w, 'data-state'), 'error');
    assert.match(await page.textContent(`${w} .tl-error`), /^No model is loaded: this widget needs a sentence classifier/);
    assert.match(await page.textContent(`${w} .tl-picker summary`), /^Model: none loaded/);
    assert.equal(await page.$eval(`${w} .tl-picker`, (d) => d.open), true);
    assert.ok(await page.isVisible(`${w} .tl-input-url`));
    assert.equal(await page.$$eval(`${w} .tl-bars`, (b) => b.length), 0);
  }
  const text = await prose(page, sec);
  assert.match(text, /load one in the box, for example nlptown\/bert-base-multilingual-uncased-sentiment/);
  assert.match(text, /NLI needs a loaded model, for example M-FAC\/bert-mini-finetuned-mnli/);
  assert.match(text, /It needs a loaded model, for example deepset\/bert-base-cased-squad2/);

  // …and the built-in one with real weights: AntiBERTy's species and chain on [CLS], its
  // own text kept (not replaced by the model's example), and the masked residues filled.
  const ab = `${sec} bert-fill-mask`;
  assert.match(await page.textContent(`${ab} .tl-picker summary`), /^Model: built in: AntiBERTy .* 8 layers/);
  const heads = await page.$$eval(`${ab} .tl-class-head`, (ps) => Object.fromEntries(ps.map((p) => [p.dataset.head, p.dataset.label])));
  assert.deepEqual(Object.keys(heads).sort(), ['chain', 'species']);
  assert.equal(heads.chain, 'Heavy');
  assert.match(await page.textContent(`${ab} .tl-class-head[data-head="species"]`), /^species: \w+ \([\d.]+%\) — .*Human/);
  assert.equal(await page.inputValue(`${ab} .tl-input-text`), await page.getAttribute(ab, 'text'));
  assert.deepEqual(await page.$$eval(`${ab} .tl-card`, (cs) => cs.map((c) => c.querySelectorAll('li').length)), [3, 3]);

  // Case 2: the built-in part-of-speech tagger, a tag under every word.
  const tag = `${sec} bert-tag`;
  assert.equal(await page.getAttribute(tag, 'data-state'), 'ready');
  assert.match(await page.textContent(`${tag} .tl-picker summary`), /^Model: built in: .*part-of-speech tagger.* 6 layers/);
  const words = await page.$$eval(`${tag} .tl-tagged li`, (lis) => lis.map((li) => [li.querySelector('.tl-tag-word').textContent, li.querySelector('.tl-tag').textContent]));
  assert.deepEqual(words.map(([w]) => w), ['The', 'old', 'man', 'saw', 'a', 'bird', 'on', 'the', 'roof', '.']);
  const label = Object.fromEntries(words);
  assert.deepEqual([label.The, label.man, label.saw, label.bird], ['DET', 'NOUN', 'VERB', 'NOUN']);

  // Case 3: a pair in the pair widget; case 4: QA waits for a model, no vectors drawn yet.
  assert.notEqual(await page.inputValue(`${pair} .tl-input-pair`), '');
  const qa = `${sec} bert-qa`;
  assert.equal(await page.getAttribute(qa, 'data-state'), 'error');
  assert.match(await page.textContent(`${qa} .tl-error`), /^No model is loaded: this widget needs a question-answering model/);
  assert.equal(await page.$$eval(`${qa} .tl-qa-tokens`, (x) => x.length), 0);
  assert.match(text, /draws both probability vectors/);
});

test('fine-tuning in the page: the widget names the built-in encoder (frozen) and the new head; nothing runs before Train', async () => {
  const page = await lecturePage();
  const w = '#finetune bert-finetune';
  assert.match(await page.textContent(`${w} .tl-ft-model`), /^Encoder — built in: tlab English MiniLM .*\(pre-trained without labels; frozen here\)\. Head — new: one linear layer/);
  assert.equal(await page.getAttribute(w, 'data-phase'), null);
  assert.ok(await page.isEnabled(`${w} .tl-train`));
  assert.match(await prose(page, '#finetune'), /semi-supervised: pre-training fills in blanks in plenty of unlabelled text, then fine-tuning uses a few labelled examples/);
});

test('fill-mask and translate widgets show model output; no console errors on the lecture page', async () => {
  const page = await lecturePage();
  assert.ok((await page.$$('bert-fill-mask .tl-card')).length >= 1);
  assert.deepEqual(page.problems, []);
});

test('中文 switch changes the UI text and the prose', async () => {
  const page = await lecturePage();
  const label = () => page.textContent('teacher-forcing .tl-field label');
  assert.equal(await label(), 'Source sentence');
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  assert.equal(await label(), '源句子');
  assert.ok(await page.isVisible('#teacher h2 .zh'));
  assert.ok(!(await page.isVisible('#teacher h2 .en')));
  // BERT's half: the new prose, headings and widget text in 中文.
  for (const sec of ['#masking', '#heads', '#finetune']) {
    assert.ok(await page.isVisible(`${sec} h2 .zh`), sec);
    assert.ok(!(await page.isVisible(`${sec} p.en`)), sec);
  }
  assert.deepEqual(await page.$$eval('#heads > h3 .zh', (hs) => hs.map((x) => x.textContent.replace(/：.*/, ''))), ['情形一', '情形二', '情形三', '情形四']);
  assert.match(await prose(page, '#masking', 'zh'), /仅凭话题是否改变就能决定很大一部分/);
  assert.match(await prose(page, '#finetune', 'zh'), /半监督学习/);
  assert.match(await page.textContent('#heads bert-tag .tl-picker summary'), /^模型： 内置：.*6 层/);
  assert.equal(await page.textContent('#heads bert-tag .tl-tag-legend'), `模型的标签： ${await page.$$eval('#heads bert-tag .tl-tag-legend .tl-tag', (t) => t.map((x) => x.textContent).join(''))}`);
  await page.waitForFunction(() => /^没有加载模型：这个组件需要一个句子分类器/.test(document.querySelector('#heads bert-classify .tl-error').textContent));
  assert.match(await page.textContent('#heads bert-fill-mask .tl-picker summary'), /^模型： 内置：AntiBERTy/);
  assert.match(await page.textContent('#finetune bert-finetune .tl-ft-model'), /^编码器——内置：/);
  await page.click('tlab-lang-switch button[data-lang="en"]');
  assert.equal(await label(), 'Source sentence');
  await page.waitForFunction(() => /^No model is loaded/.test(document.querySelector('#heads bert-classify .tl-error').textContent));
});

test('keyboard: widget controls are reachable with Tab and work with Enter', async () => {
  const page = await lecturePage();
  await page.focus('decoding-steps .tl-input');
  const seen = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => document.activeElement.className));
  }
  assert.ok(seen.some((c) => c.includes('tl-play')), `Tab order: ${seen.join(' | ')}`);
  await page.focus('decoding-steps .tl-play');
  await page.keyboard.press('Shift+Tab');
  const before = await page.textContent('decoding-steps .tl-step');
  await page.focus('decoding-steps .tl-prev');
  await page.keyboard.press('Enter');
  assert.notEqual(await page.textContent('decoding-steps .tl-step'), before);
  // Attention rows are buttons: focusing one highlights it and reads out its strongest link.
  await page.focus('attention-map[model="bert"] .tl-row[data-q="1"]');
  assert.match(await page.textContent('attention-map[model="bert"] .tl-readout'), /→/);
});

test('phone width (375 px): the lecture page does not overflow sideways', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  await allReady(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `page is ${width} px wide`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('embed.html in an iframe sizes itself to its content', async () => {
  const page = await browser.newPage();
  const src = new URL('embed.html?widget=tokenizer-view&model=bert&text=Hello%20world&id=t1', browser.url).href;
  await page.goto(new URL('bench.html', browser.url).href); // a near-empty page of the same server
  await page.evaluate(
    ({ src, helper }) => {
      // Styled through CSSOM: the page's CSP refuses inline style attributes.
      const f = document.createElement('iframe');
      f.id = 'f';
      f.src = src;
      Object.assign(f.style, { width: '100%', height: '20px', border: '0' });
      document.body.replaceChildren(f);
      const s = document.createElement('script');
      s.src = helper;
      document.body.append(s);
    },
    { src, helper: new URL('widgets/embed-resize.js', browser.url).href },
  );
  const frame = await (await page.waitForSelector('#f')).contentFrame();
  await frame.waitForFunction(() => document.querySelector('tokenizer-view')?.dataset.state === 'ready', null, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('f').getBoundingClientRect().height > 60);
  const [outer, inner] = [
    await page.evaluate(() => document.getElementById('f').getBoundingClientRect().height),
    await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height)),
  ];
  assert.ok(Math.abs(outer - inner) <= 2, `iframe ${outer} px, content ${inner} px`);
  await page.close();
});
