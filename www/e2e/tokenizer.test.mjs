// Tokenizer views load their model's tokenizer alone (the tokenizer kind: config.json and the
// tokenizer's files, a few hundred KB, not a 46 MB BERT's weights), once per page however many
// views use it, and show exactly what the whole model reads. Checked by the requests of the
// page and its worker, by the pieces against the whole model's tokenize and PyTorch's
// fixtures, and on the lecture page, whose first widgets are tokenizer views
// (tools/bench-lecture-load.mjs times them on a slow line).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { emptyModelCache, launch, repo, fixture } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const at = (p) => new URL(p, browser.url).href;
const index = JSON.parse(fs.readFileSync(path.join(repo, 'models/index.json'), 'utf8'));
const config = (name) => JSON.parse(fs.readFileSync(path.join(repo, 'models', name, 'config.json'), 'utf8'));
/** The bytes of a built-in model's tokenizer files (`names`), from models/index.json. */
const bytesOf = (name, names) => names.reduce((sum, f) => sum + (index[name].files[`${name}/${f}`] ?? 0), 0);
const BERT_TOKENIZER = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const TRANSLATE_TOKENIZER = ['config.json', 'tokenizer.json'];
const WEIGHTS = /\/(model\.safetensors|pytorch_model\.bin|head\.safetensors|shortlist\.bin)$/;
const EN = 'Tokenization splits unbelievably rare words.';

/** The paths the page and its worker request, in order. */
function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push(decodeURIComponent(new URL(r.url()).pathname)));
  return seen;
}

const emptyCache = (page) => emptyModelCache(page, browser.url);

/** The pieces a tokenizer view (or one of its columns) shows: [{text, id, special}]. */
const shown = (page, sel) =>
  page.$$eval(`${sel} .tl-piece`, (lis) =>
    lis.map((li) => ({ text: li.querySelector('.tl-piece-text').textContent, id: Number(li.dataset.id), special: li.dataset.special === 'true' })),
  );

/** The whole built-in models' tokenize of each [name, 'bert' | 'translate' | 'zh', text], in
 * a page of its own (it downloads the weights), as shown's pieces. */
async function wholeModels(cases) {
  const page = await browser.newPage();
  await page.goto(at('bench.html'));
  const out = await page.evaluate(async (cases) => {
    const { TlabClient, DEFAULT_BERT, DEFAULT_TRANSLATE, CHINESE_BERT } = await import('./lib/client.js');
    const c = new TlabClient();
    const tr = DEFAULT_TRANSLATE['en-pt'];
    await c.loadBert('bert', { url: DEFAULT_BERT.url });
    await c.loadTranslate('translate', { url: tr.url, shortlist: tr.shortlist });
    await c.loadBert('zh', { url: CHINESE_BERT.url });
    const result = {};
    for (const [name, key, text] of cases) {
      result[name] = (await c.tokenize(key, text)).pieces.map((p) => ({ text: p.piece, id: p.id, special: p.special }));
    }
    return result;
  }, cases);
  assert.deepEqual(page.problems, []);
  await page.close();
  return out;
}

test('a page of tokenizer views downloads no weights, each tokenizer once, and shows what the whole model reads (BERT, translation, Chinese, compare, hub BERT in the vocab.txt layout, hub Marian)', async () => {
  const page = await browser.newPage();
  await emptyCache(page);
  const requests = recordRequests(page);
  const wwm = fixture('bert-zh-wwm').cases[0];
  const marian = fixture('marian-swish').cases[0];
  const views = {
    bert: { model: 'bert', text: EN },
    again: { model: 'bert', text: 'Hello world, again.' },
    tr: { model: 'translate', text: EN },
    zh: { src: 'models/fill-mask-zh', text: '臺灣大學的學生在讀《靜夜思》。' },
    compare: { src: 'models/fill-mask-zh', compare: 'models/fill-mask', text: '深度学习模型 Transformer 很有趣。' },
    wwm: { src: at('hub/test-org/bert-zh-wwm/resolve/main'), text: wwm.text },
    marian: { model: 'translate', src: at('hub/test-org/marian-swish/resolve/main'), text: marian.text },
  };
  await page.evaluate(async (views) => {
    await import('./widgets/index.js');
    document.body.replaceChildren(
      ...Object.entries(views).map(([id, attrs]) => {
        const el = document.createElement('tokenizer-view');
        el.id = id;
        for (const [k, v] of Object.entries({ ...attrs, loading: 'eager' })) el.setAttribute(k, v);
        return el;
      }),
    );
  }, views);
  await page.waitForFunction(() => [...document.querySelectorAll('tokenizer-view')].every((w) => ['ready', 'error'].includes(w.dataset.state)), null, { timeout: 120_000 });
  const states = await page.$$eval('tokenizer-view', (ws) => ws.map((w) => `${w.id}: ${w.dataset.state} ${w.querySelector('.tl-error').textContent}`));
  assert.deepEqual(states, Object.keys(views).map((id) => `${id}: ready `));

  // No weights; each tokenizer's files once (bert, again and the compare column share one).
  const models = requests.filter((p) => p.startsWith('/models/') || p.startsWith('/hub/'));
  assert.deepEqual(models.filter((p) => WEIGHTS.test(p)), [], 'no weights are downloaded');
  const count = (p) => models.filter((m) => m === p).length;
  for (const [name, files] of [['fill-mask', BERT_TOKENIZER], ['fill-mask-zh', BERT_TOKENIZER], ['translate-en-pt', TRANSLATE_TOKENIZER]]) {
    for (const f of files) assert.equal(count(`/models/${name}/${f}`), 1, `${name}/${f}: ${models.join(', ')}`);
  }
  // The hub BERT in the second layout: tokenizer.json tried (404), then vocab.txt with its
  // tokenizer_config.json; the hub Marian: config.json and tokenizer.json.
  const hub = (name) => models.filter((p) => p.startsWith(`/hub/test-org/${name}/`)).map((p) => p.split('/').pop()).sort();
  assert.deepEqual(hub('bert-zh-wwm'), ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
  assert.deepEqual(hub('marian-swish'), ['config.json', 'tokenizer.json']);

  // The pieces: PyTorch's (the fixtures) and the Chinese tokenizer's simplified characters.
  const zh = await shown(page, '#zh');
  assert.deepEqual(zh.slice(1, 5).map((p) => p.text), ['台', '湾', '大', '学']);
  for (const [id, c] of [['wwm', wwm], ['marian', marian]]) {
    const got = await shown(page, `#${id}`);
    assert.deepEqual(got.map((p) => p.text), c.tokens, id);
    assert.deepEqual(got.map((p) => p.id), c.input_ids, id);
  }
  const main = await shown(page, '#compare [data-side="main"]');
  const other = await shown(page, '#compare [data-side="compare"]');
  assert.ok(main.every((p) => p.text !== '[UNK]'));
  assert.ok(other.filter((p) => p.text === '[UNK]').length >= 6, `the English vocabulary: mostly [UNK] (${other.map((p) => p.text).join(' ')})`);
  assert.equal(await page.isHidden('#compare .tl-progress'), true, 'no progress line once both columns answer');

  // The model line names the model, with its size as its config.json states it.
  assert.match(await page.textContent('#bert .tl-model-used'), /^Model: built in: tlab English MiniLM.* · 6 layers · hidden 384$/);
  assert.match(await page.textContent('#tr .tl-model-used'), /^Model: built in: Bergamot tiny English → Portuguese · 6-layer encoder, 2-layer decoder · width 256 · vocabulary 32000$/);
  assert.equal(await page.textContent('#marian .tl-model-used'), `Model: loaded: ${views.marian.src} · 2-layer encoder, 2-layer decoder · width 64 · vocabulary 156`);
  assert.deepEqual(page.problems, []);

  // The same pieces, ids and special marks as the whole models' tokenize.
  const whole = await wholeModels([
    ['bert', 'bert', views.bert.text],
    ['again', 'bert', views.again.text],
    ['tr', 'translate', views.tr.text],
    ['zh', 'zh', views.zh.text],
  ]);
  for (const [id, pieces] of Object.entries(whole)) assert.deepEqual(await shown(page, `#${id}`), pieces, id);
  await page.close();
});

test('embed.html: a tokenizer view says its tokenizer’s size, counts its bytes, and downloads no weights', async () => {
  const page = await browser.newPage();
  await emptyCache(page);
  const requests = recordRequests(page);
  await page.addInitScript(() => {
    window.shown = [];
    new MutationObserver(() => {
      const s = document.querySelector('tokenizer-view .tl-status');
      if (s && s.textContent !== window.shown.at(-1)) window.shown.push(s.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(at('embed.html?widget=tokenizer-view&model=translate&lang=en&text=Hello%20world'));
  await page.waitForFunction(() => document.querySelector('tokenizer-view')?.dataset.state === 'ready', null, { timeout: 120_000 });
  const mb = (bytesOf('translate-en-pt', TRANSLATE_TOKENIZER) / 1e6).toFixed(1);
  const lines = await page.evaluate(() => window.shown);
  assert.ok(lines.includes(`Loading model… 0.0 / ${mb} MB`), `the tokenizer's size first: ${lines.join(' | ')}`);
  assert.ok(lines.every((l) => !/ \/ 2[34]\.\d MB$/.test(l)), 'not the whole model’s size');
  const pieces = await shown(page, 'tokenizer-view');
  assert.equal(pieces.at(-1).text, '</s>');
  assert.ok(pieces.at(-1).special);
  assert.deepEqual(requests.filter((p) => p.startsWith('/models/') && p !== '/models/index.json'), ['/models/translate-en-pt/config.json', '/models/translate-en-pt/tokenizer.json']);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the tokenizer kind: it answers the whole model’s tokenize (errors too), its load its files’ bytes and model’s size; wrong ops and sources fail in words', async () => {
  const page = await browser.newPage();
  await page.goto(at('bench.html'));
  const got = await page.evaluate(async () => {
    const { TlabClient, DEFAULT_BERT, DEFAULT_TRANSLATE } = await import('./lib/client.js');
    const c = new TlabClient();
    const tr = DEFAULT_TRANSLATE['en-pt'];
    const settle = (p) => p.then((result) => ({ ok: true, result }), (e) => ({ ok: false, error: String(e?.message ?? e), name: e?.name }));
    const info = {
      bert: await c.loadTokenizer('tok-en', { url: DEFAULT_BERT.url, reads: 'bert' }),
      translate: await c.loadTokenizer('tok-tr', { url: tr.url, reads: 'translate' }),
    };
    await c.loadBert('en', { url: DEFAULT_BERT.url });
    await c.loadTranslate('tr', { url: tr.url, shortlist: tr.shortlist });
    const texts = [
      'Tokenization splits unbelievably rare words.',
      'The man went to the [MASK] to buy some milk.',
      '臺灣大學 café naïve',
      '',
      '   ',
      'word '.repeat(3000),
    ];
    const pairs = [];
    for (const t of texts) {
      pairs.push({
        text: t.slice(0, 30),
        alone: [await settle(c.tokenize('tok-en', t)), await settle(c.tokenize('tok-tr', t))],
        whole: [await settle(c.tokenize('en', t)), await settle(c.tokenize('tr', t))],
      });
    }
    // From files: a translation model's {config, tokenizer} fields; a BERT's by name, weights
    // given too (not read).
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    const trFiles = { config: await bytes(`${tr.url}/config.json`), tokenizer: await bytes(`${tr.url}/tokenizer.json`) };
    const enFiles = {};
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) enFiles[f] = await bytes(`${DEFAULT_BERT.url}/${f}`);
    const fromFiles = {
      translate: await settle(c.loadTokenizer('tok-tr-files', { files: trFiles, reads: 'translate' }).then(() => c.tokenize('tok-tr-files', texts[0]))),
      bert: await settle(
        c.loadTokenizer('tok-en-files', { files: { ...enFiles, 'model.safetensors': new Uint8Array(8) }, reads: 'bert' }).then(() => c.tokenize('tok-en-files', texts[0])),
      ),
    };
    const errors = {
      fill: await settle(c.fill('tok-en', 'The [MASK].', 5)),
      info: await settle(c.info('tok-en')),
      noReads: await settle(c.loadTokenizer('x1', { url: DEFAULT_BERT.url })),
      badReads: await settle(c.loadTokenizer('x2', { url: DEFAULT_BERT.url, reads: 'gpt' })),
      noConfig: await settle(c.loadTokenizer('x3', { files: { 'tokenizer.json': enFiles['tokenizer.json'] }, reads: 'bert' })),
      noTokenizer: await settle(c.loadTokenizer('x4', { files: { 'config.json': trFiles.config }, reads: 'translate' })),
      missing: await settle(c.loadTokenizer('x5', { url: `${DEFAULT_BERT.url}-nope`, reads: 'bert' })),
    };
    // Still healthy after the errors.
    const after = await settle(c.tokenize('tok-en', texts[0]));
    return { info, pairs, fromFiles, errors, after, whole0: pairs[0].whole };
  });
  const bert = config('fill-mask');
  const tr = config('translate-en-pt');
  assert.deepEqual(got.info.bert, { reads: 'bert', bytes: bytesOf('fill-mask', BERT_TOKENIZER), warnings: [], layers: bert.num_hidden_layers, hidden: bert.hidden_size, vocab: bert.vocab_size });
  assert.deepEqual(got.info.translate, {
    reads: 'translate',
    bytes: bytesOf('translate-en-pt', TRANSLATE_TOKENIZER),
    warnings: [],
    encoder_layers: tr.encoder_layers,
    decoder_layers: tr.decoder_layers,
    d_model: tr.d_model,
    vocab_size: tr.vocab_size,
  });
  assert.ok(got.info.bert.bytes < 1e6 && got.info.translate.bytes < 3e6, 'a tokenizer is small');
  let failures = 0;
  for (const { text, alone, whole } of got.pairs) {
    for (const i of [0, 1]) {
      assert.deepEqual(alone[i], whole[i], `${['BERT', 'translation'][i]}: "${text}"`);
      if (!whole[i].ok) failures += 1;
    }
  }
  assert.ok(failures >= 2, 'the empty text fails alike');
  assert.deepEqual(got.fromFiles.translate, got.whole0[1]);
  assert.deepEqual(got.fromFiles.bert, got.whole0[0]);
  const e = got.errors;
  assert.match(e.fill.error, /^"fill" needs a BERT fill-mask model; "tok-en" is a tokenizer without its model$/);
  assert.match(e.info.error, /^"info" needs .*; "tok-en" is a tokenizer without its model$/);
  assert.equal(e.noReads.error, 'a tokenizer is read as "bert" or "translate" (its source\'s reads), not undefined');
  assert.equal(e.badReads.error, 'a tokenizer is read as "bert" or "translate" (its source\'s reads), not "gpt"');
  assert.match(e.noConfig.error, /config\.json/);
  assert.match(e.noTokenizer.error, /tokenizer/);
  assert.match(e.missing.error, /fill-mask-nope\/config\.json: HTTP 404/);
  for (const [name, r] of Object.entries(e)) {
    assert.equal(r.ok, false, name);
    assert.doesNotMatch(r.error, /is not a function|crashed|unreachable/, name);
  }
  assert.deepEqual(got.after, got.whole0[0]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lecture.html: its first widgets, tokenizer views, answer from their tokenizers, fetched before any weights; 中文: 臺灣大學 → 台 湾 大 学', async () => {
  const page = await browser.newPage();
  await emptyCache(page);
  const requests = recordRequests(page);
  await page.goto(at('lecture.html?lang=en'));
  const first = ['tokenizer-view.en[model="bert"]', 'tokenizer-view[model="translate"]'];
  await page.waitForSelector(`${first[1]}.tl-widget`, { state: 'attached' });
  const leading = await page.evaluate((sels) => {
    const shownWidgets = [...document.querySelectorAll('.tl-widget')].filter((w) => w.checkVisibility());
    return sels.map((s, i) => shownWidgets[i] === document.querySelector(s));
  }, first);
  assert.deepEqual(leading, [true, true], 'the tokenizer views are the first widgets');
  await page.waitForFunction((sels) => sels.every((s) => document.querySelector(s)?.dataset.state === 'ready'), first, { timeout: 120_000 });
  // Downloads go one at a time, those of the widgets in view and the smaller first: both
  // tokenizers' files came before any weights were asked for.
  const models = requests.filter((p) => p.startsWith('/models/') && p !== '/models/index.json');
  const firstWeights = models.findIndex((p) => WEIGHTS.test(p));
  for (const f of ['/models/fill-mask/tokenizer.json', '/models/translate-en-pt/tokenizer.json']) {
    const i = models.indexOf(f);
    assert.ok(i >= 0 && (firstWeights < 0 || i < firstWeights), `${f} before any weights: ${models.join(', ')}`);
  }
  const bertText = await page.getAttribute(first[0], 'text');
  const trText = await page.getAttribute(first[1], 'text');
  const got = [await shown(page, first[0]), await shown(page, first[1])];

  // 中文: the Chinese tokenizer reads traditional characters as simplified ones.
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  const trad = '#tokens tokenizer-view:not([compare])[src]';
  await page.$eval(trad, (w) => w.scrollIntoView({ block: 'center' }));
  await page.waitForFunction((s) => document.querySelector(s).dataset.state === 'ready', trad, { timeout: 120_000 });
  assert.deepEqual((await shown(page, trad)).slice(1, 5).map((p) => p.text), ['台', '湾', '大', '学']);
  assert.deepEqual(page.problems, []);
  await page.close();

  const whole = await wholeModels([
    ['bert', 'bert', bertText],
    ['translate', 'translate', trText],
  ]);
  assert.deepEqual(got, [whole.bert, whole.translate]);
  assert.equal(got[0][0].text, '[CLS]');
  assert.ok(got[1].some((p) => p.text.startsWith('▁')));
});
