// Bad input, in headless Chromium: odd texts, out-of-range numbers and broken model sources
// through the worker (and a few through the page), each with its expected outcome: an
// answer, or an error in words. After every case the next normal request must answer. A
// panic (the worker reports "the model crashed: RuntimeError: unreachable"), a hang, a
// non-finite number in an answer or an uncaught error fails it. All failures of a group are
// listed together, so one run says which inputs the Rust side still mishandles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

let browser;
let page; // bench.html with its own TlabClient (globalThis.__client), shared by the groups
before(async () => {
  browser = await launch();
  page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
});
after(async () => {
  await browser?.close();
});

const TIMEOUT = 60_000;

/**
 * Runs client[op](...args) in the page. Arguments may hold {$json} (a string that must not
 * go through the DevTools protocol as is: lone surrogates), {$text} (its UTF-8 bytes as an
 * ArrayBuffer), {$fetch, slice} (a served file's bytes, optionally cut short) and
 * {$patch, with} (a served JSON file with some fields replaced, as bytes).
 * Returns {ok, error?, summary?, nonFinite, ms}.
 */
function call(op, ...args) {
  return page.evaluate(
    async ({ op, args, timeout }) => {
      const lib = await import('./lib/client.js');
      globalThis.__client ??= new lib.TlabClient();
      const c = globalThis.__client;
      const decode = async (a) => {
        if (Array.isArray(a)) return Promise.all(a.map(decode));
        if (!a || typeof a !== 'object') return a;
        if ('$json' in a) return JSON.parse(a.$json);
        if ('$text' in a) return new TextEncoder().encode(a.$text).buffer;
        if ('$patch' in a) {
          const config = { ...(await (await fetch(a.$patch)).json()), ...a.with };
          return new TextEncoder().encode(JSON.stringify(config)).buffer;
        }
        if ('$fetch' in a) {
          const bytes = await (await fetch(a.$fetch)).arrayBuffer();
          return a.slice == null ? bytes : bytes.slice(0, a.slice);
        }
        const out = {};
        for (const [k, v] of Object.entries(a)) out[k] = await decode(v);
        return out;
      };
      const decoded = await decode(args);
      const t0 = performance.now();
      const outcome = await Promise.race([
        c[op](...decoded).then(
          (r) => ({ ok: true, r }),
          (e) => ({ ok: false, error: String(e?.message ?? e) }),
        ),
        new Promise((ok) => setTimeout(() => ok({ ok: false, error: `HANG: no answer in ${timeout / 1000} s` }), timeout)),
      ]);
      let nonFinite = 0;
      const walk = (v) => {
        if (typeof v === 'number') nonFinite += Number.isFinite(v) ? 0 : 1;
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(outcome.r);
      const r = outcome.r;
      const summary = !outcome.ok
        ? undefined
        : op === 'fill'
          ? { masks: r.masks.length, candidates: r.masks[0]?.candidates.length }
          : op === 'translate'
            ? { translation: r.translation }
            : { keys: Object.keys(r ?? {}).slice(0, 6).join(',') };
      return { ok: outcome.ok, error: outcome.error, summary, nonFinite, ms: Math.round(performance.now() - t0) };
    },
    { op, args, timeout: TIMEOUT },
  );
}

const j = (text) => ({ $json: JSON.stringify(text) }); // lone surrogates survive this

const BERT = 'default-bert';
const TR = 'default-translate-en-pt';
const NORMAL_FILL = 'The man went to the [MASK] to buy some milk.';

/** The next normal requests: a fill-mask answer with 5 candidates, and a translation. */
async function healthy() {
  const fill = await call('fill', BERT, NORMAL_FILL, 5);
  if (!fill.ok || fill.summary.candidates !== 5) return `a normal fill failed: ${fill.error ?? JSON.stringify(fill.summary)}`;
  const tr = await call('translate', TR, 'The cat sat on the mat.', {});
  if (!tr.ok || !tr.summary.translation) return `a normal translation failed: ${tr.error}`;
  return null;
}

/** Checks one outcome against its expectation; returns a line describing what is wrong. */
function judge(label, got, expect) {
  const crashed = /the model crashed|RuntimeError|unreachable|HANG|internal error/;
  if (got.nonFinite) return `${label}: ${got.nonFinite} non-finite numbers (NaN/∞) in the answer`;
  if (expect.error) {
    if (got.ok) return `${label}: expected an error matching ${expect.error}, got an answer ${JSON.stringify(got.summary)}`;
    if (!expect.error.test(got.error)) return `${label}: expected an error matching ${expect.error}, got "${got.error}"`;
    return null;
  }
  if (expect.either) {
    if (!got.ok && crashed.test(got.error)) return `${label}: expected an answer or an error in words, got "${got.error}"`;
    return null;
  }
  if (!got.ok) return `${label}: expected an answer, got "${got.error}"`;
  for (const [k, v] of Object.entries(expect)) {
    if (got.summary[k] !== v) return `${label}: expected ${k} = ${v}, got ${JSON.stringify(got.summary)}`;
  }
  return null;
}

/** Runs [label, op, args, expect] cases; returns the list of what went wrong. */
async function runCases(cases) {
  const wrong = [];
  for (const [label, op, args, expect] of cases) {
    const got = await call(op, ...args);
    const verdict = judge(label, got, expect);
    console.log(`# ${verdict ? 'FAIL' : 'ok  '} ${label} → ${got.ok ? JSON.stringify(got.summary) : got.error} (${got.ms} ms)`);
    if (verdict) wrong.push(verdict);
    const after = await healthy();
    if (after) wrong.push(`after ${label}: ${after}`);
  }
  return wrong;
}

test('set-up: the default models load in the test client', async () => {
  const bert = await call('loadBert', BERT, { url: new URL('models/fill-mask', browser.url).href });
  assert.ok(bert.ok, bert.error);
  const tr = await call('loadTranslate', TR, { url: new URL('models/translate-en-pt', browser.url).href, shortlist: true });
  assert.ok(tr.ok, tr.error);
  assert.equal(await healthy(), null);
});

const words = (n, w = 'word') => Array.from({ length: n }, () => w).join(' ');

/** Odd texts, each with its expected outcome on the default English BERT (512 positions). */
const TEXTS = [
  ['empty', '', { error: /the text is empty/ }],
  ['whitespace only', ' \t\n\u00a0 ', { error: /the text is empty/ }],
  ['no mask', 'There is no blank here.', { error: /the text has no \[MASK\] to fill/ }],
  ['only a mask', '[MASK]', { masks: 1 }],
  ['only masks', '[MASK] [MASK] [MASK]', { masks: 3 }],
  ['50 masks', Array.from({ length: 50 }, () => 'the [MASK]').join(' '), { masks: 50 }],
  ['exactly 512 tokens with [CLS] and [SEP]', `[MASK] ${words(509, 'a')}`, { masks: 1 }],
  ['513 tokens', `[MASK] ${words(510, 'a')}`, { error: /the text is 513 tokens long; this model reads at most 512/ }],
  ['10 000 characters', `${words(1999)} [MASK]`.slice(-10_000), { error: /tokens long; this model reads at most 512/ }],
  ['emoji and ZWJ sequences', 'My 👩‍👩‍👧 went to the [MASK] 🎉🏳️‍🌈.', { masks: 1 }],
  ['right-to-left scripts', 'مرحبا [MASK] שלום עולם', { masks: 1 }],
  ['control characters', 'The \u0007bell\u001b[31m rang at the [MASK]\u0008\u007f.', { masks: 1 }],
  ['NUL', 'The\u0000 man went to the [MASK].\u0000', { masks: 1 }],
  ['lone surrogates', 'The \ud800 man went \udfff to the [MASK].', { masks: 1 }],
  ['CJK', '我去商店买[MASK]。東京は[MASK]です。', { masks: 2 }],
  ['combining marks', 'The cafe\u0301 Z\u0324\u0354\u0367\u0311\u0313 is [MASK] a\u0300\u0301\u0302\u0303\u0304.', { masks: 1 }],
  ['markup', '<img src=x onerror=alert(1)> went to the [MASK]. <script>alert(1)</script>', { masks: 1 }],
  ['lower-case mask', 'The man went to the [mask].', { masks: 1 }],
  ['mask inside a word', 'The super[MASK]man flew.', { masks: 1 }],
  ['other special tokens typed', '[CLS] [SEP] [PAD] [UNK] the [MASK] [SEP]', { masks: 1 }],
  ['a mask after a dotted capital İ', 'İstanbul is a [mask] city.', { masks: 1 }],
  ['a very long word', `${'x'.repeat(5000)} [MASK]`, { masks: 1 }],
];

test('fill-mask: odd texts answer or fail in words, and the model keeps answering', async () => {
  const wrong = await runCases(TEXTS.map(([label, text, expect]) => [`fill: ${label}`, 'fill', [BERT, j(text), 5], expect]));
  assert.deepEqual(wrong, []);
});

test('fill-mask: top-k 0, −1, NaN, 2.5, 50, 51, huge', async () => {
  const wrong = await runCases([
    ['top-k 0', 'fill', [BERT, NORMAL_FILL, 0], { error: /top-k must be between 1 and 50, not 0/ }],
    ['top-k −1', 'fill', [BERT, NORMAL_FILL, -1], { error: /top-k must be a whole number, not -1/ }],
    ['top-k NaN', 'fill', [BERT, NORMAL_FILL, NaN], { error: /top-k must be a whole number, not NaN/ }],
    ['top-k 2.5', 'fill', [BERT, NORMAL_FILL, 2.5], { error: /top-k must be a whole number, not 2.5/ }],
    ['top-k 50', 'fill', [BERT, NORMAL_FILL, 50], { candidates: 50 }],
    ['top-k 51', 'fill', [BERT, NORMAL_FILL, 51], { error: /top-k must be between 1 and 50, not 51/ }],
    ['top-k 1e9', 'fill', [BERT, NORMAL_FILL, 1e9], { error: /top-k must be between 1 and 50, not 1000000000/ }],
    ['top-k 1e12', 'fill', [BERT, NORMAL_FILL, 1e12], { error: /top-k 1000000000000 is far too large/ }],
    ['top-k Infinity', 'fill', [BERT, NORMAL_FILL, Infinity], { error: /top-k must be a whole number, not Infinity/ }],
  ]);
  assert.deepEqual(wrong, []);
});

test('BERT views (tokenize, attentions, logits, classify, pre-training) on odd texts', async () => {
  const texts = [
    ['empty', '', { error: /the text is empty/ }],
    ['whitespace only', ' \n ', { error: /the text is empty/ }],
    ['only masks', '[MASK] [MASK]', {}],
    ['513 tokens', `[MASK] ${words(510, 'a')}`, { error: /the text is 513 tokens long; this model reads at most 512/ }],
    ['NUL', 'The\u0000 man [MASK].', {}],
    ['lone surrogates', 'The \ud800 man [MASK] \udfff.', {}],
    ['emoji', '🎉 [MASK] 👩‍👩‍👧', {}],
  ];
  const cases = [];
  for (const [label, text, expect] of texts) {
    cases.push([`tokenize: ${label}`, 'tokenize', [BERT, j(text)], expect]);
    cases.push([`attentions: ${label}`, 'attentions', [BERT, j(text)], expect]);
    cases.push([`logits: ${label}`, 'logits', [BERT, j(text)], expect]);
    // The default model has no sequence classifiers: classify answers [] whatever the text.
    cases.push([`classify: ${label}`, 'classify', [BERT, j(text)], {}]);
    cases.push([`pretrainDemo: ${label}`, 'pretrainDemo', [BERT, j(text), 1, 5], { either: true }]);
  }
  cases.push(['pretrainDemo: punctuation only', 'pretrainDemo', [BERT, '... !!! ???', 1, 5], { either: true }]);
  cases.push(['pretrainDemo: one word', 'pretrainDemo', [BERT, 'milk', 1, 5], { either: true }]);
  cases.push(['pretrainDemo: seed 2^32 + 5', 'pretrainDemo', [BERT, NORMAL_FILL, 2 ** 32 + 5, 5], {}]);
  cases.push(['pretrainDemo: top-k 0', 'pretrainDemo', [BERT, NORMAL_FILL, 1, 0], { error: /top-k must be between 1 and \d+, not 0/ }]);
  cases.push(['pretrainDemo: top-k 1e9', 'pretrainDemo', [BERT, NORMAL_FILL, 1, 1e9], { error: /top-k must be between 1 and \d+, not 1000000000/ }]);
  const wrong = await runCases(cases);
  assert.deepEqual(wrong, []);
});

test('sequence classifiers (AntiBERTy: species, chain) on odd texts', async () => {
  const AB = 'builtin-antiberty';
  const load = await call('loadBert', AB, { url: new URL('models/antiberty', browser.url).href });
  assert.ok(load.ok, load.error);
  const chain = 'EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSR';
  const wrong = await runCases([
    ['classify: empty', 'classify', [AB, ''], { error: /the text is empty/ }],
    ['classify: whitespace only', 'classify', [AB, '  \n '], { error: /the text is empty/ }],
    ['classify: a heavy chain', 'classify', [AB, chain], {}],
    ['classify: 600 residues', 'classify', [AB, chain.repeat(6)], { error: /tokens long; this model reads at most \d+/ }],
    ['classify: NUL and lone surrogates', 'classify', [AB, j(`EVQ\u0000LV\ud800ES`)], { either: true }],
    ['classify: emoji and CJK', 'classify', [AB, j('🎉 抗体 EVQLV')], { either: true }],
    ['fill: a heavy chain with masks', 'fill', [AB, `EV[MASK]LVESGG[MASK]`, 5], { masks: 2 }],
  ]);
  assert.deepEqual(wrong, []);
});

test('translation: odd texts, beam 0/9/1000, α NaN/−1/∞, token limits', async () => {
  const T = 'The cat sat on the mat.';
  const cases = [
    ['empty', 'translate', [TR, '', {}], { error: /the text to translate is empty/ }],
    ['whitespace only', 'translate', [TR, ' \t\n ', {}], { error: /the text to translate is empty/ }],
    ['10 000 characters', 'translate', [TR, `${words(2000)}`.slice(0, 10_000), {}], { error: /the text is \d+ tokens long; this model reads at most \d+/ }],
    ['emoji and ZWJ', 'translate', [TR, j('My 👩‍👩‍👧 loves 🎉 parties.'), {}], {}],
    ['right-to-left', 'translate', [TR, j('مرحبا שלום'), {}], {}],
    ['control characters', 'translate', [TR, j('The \u0007cat\u001b[31m sat.\u0008'), {}], {}],
    ['NUL', 'translate', [TR, j('The\u0000 cat sat.'), {}], {}],
    ['lone surrogates', 'translate', [TR, j('The \ud800 cat \udfff sat.'), {}], {}],
    ['CJK', 'translate', [TR, j('我去商店买牛奶。'), {}], {}],
    ['combining marks', 'translate', [TR, j('Z\u0324\u0354\u0367\u0311\u0313 cafe\u0301.'), {}], {}],
    ['markup', 'translate', [TR, '<img src=x onerror=alert(1)> The cat.', {}], {}],
    ['beam 0', 'translate', [TR, T, { beam: 0 }], { error: /beam width must be between 1 and 8, not 0/ }],
    ['beam 9', 'translate', [TR, T, { beam: 9 }], { error: /beam width must be between 1 and 8, not 9/ }],
    ['beam 1000', 'translate', [TR, T, { beam: 1000 }], { error: /beam width must be between 1 and 8, not 1000/ }],
    ['beam −1', 'translate', [TR, T, { beam: -1 }], { error: /the beam width must be a whole number, not -1/ }],
    ['beam NaN', 'translate', [TR, T, { beam: NaN }], { error: /the beam width must be a whole number, not NaN/ }],
    ['beam 8', 'translate', [TR, T, { beam: 8 }], {}],
    ['α NaN', 'translate', [TR, T, { beam: 4, alpha: NaN }], { error: /length penalty α must be between 0 and 5, not NaN/ }],
    ['α −1', 'translate', [TR, T, { beam: 4, alpha: -1 }], { error: /length penalty α must be between 0 and 5, not -1/ }],
    ['α ∞', 'translate', [TR, T, { beam: 4, alpha: Infinity }], { error: /length penalty α must be between 0 and 5, not inf/ }],
    ['α as a string', 'translate', [TR, T, { beam: 4, alpha: '1' }], { error: /the length penalty α must be a number, not 1/ }],
    ['α 0 with beam 4', 'translate', [TR, T, { beam: 4, alpha: 0 }], {}],
    ['maxNewTokens 1', 'translate', [TR, T, { maxNewTokens: 1 }], {}],
    ['maxNewTokens 0', 'translate', [TR, T, { maxNewTokens: 0 }], { either: true }],
    ['maxNewTokens 1e6', 'translate', [TR, T, { maxNewTokens: 1e6 }], {}],
    ['traceTopK 1000, beam 8', 'translate', [TR, T, { beam: 8, traceTopK: 1000 }], { either: true }],
    ['options null', 'translate', [TR, T, null], {}],
    ['teacher forcing, empty reference', 'teacherForce', [TR, T, ''], { either: true }],
    ['teacher forcing, 10 000-character reference', 'teacherForce', [TR, T, words(2000).slice(0, 10_000)], { error: /tokens long|at most/ }],
    ['teacher forcing, NUL and lone surrogates', 'teacherForce', [TR, T, j('O \u0000gato \ud800 sentou.')], {}],
    ['tokenize: empty', 'tokenize', [TR, ''], { either: true }],
    ['encoder attentions: empty', 'encoderAttentions', [TR, ''], { error: /empty/ }],
    ['encoder attentions: emoji', 'encoderAttentions', [TR, j('🎉 👩‍👩‍👧')], {}],
    ['teacher-forced attentions: empty reference', 'teacherForceAttentions', [TR, T, ''], { either: true }],
  ];
  const wrong = await runCases(cases.map(([label, ...rest]) => [`translate: ${label}`, ...rest]));
  assert.deepEqual(wrong, []);
});

test('model sources: 404, a web page instead of config.json, a stalled body, broken files', async () => {
  const url = (p) => new URL(p, browser.url).href;
  const fx = (name, file) => ({ $fetch: url(`hub/o/${name}/resolve/main/${file}`) });
  const patch = (name, fields) => ({ $patch: url(`hub/o/${name}/resolve/main/config.json`), with: fields });
  const good = { config: fx('bert-gelu', 'config.json'), tokenizer: fx('bert-gelu', 'tokenizer.json'), weights: fx('bert-gelu', 'model.safetensors') };
  let n = 0;
  const key = () => `bad-${n++}`;
  const cases = [
    ['404', 'loadBert', [key(), { url: url('hub/nobody/nothing/resolve/main') }], { error: /could not download .*config\.json: HTTP 404 — no such file there/ }],
    ['a web page instead of config.json', 'loadBert', [key(), { url: url('_test/html/org/model') }], { error: /is a web page \(text\/html\), not a model file/ }],
    ['a stalled body', 'loadBert', [key(), { url: url('_test/stall/org/model') }, undefined, { stallSeconds: 2 }], { error: /the download of .*\/_test\/stall\/org\/model\/config\.json stalled: no data for 2 s/ }],
    ['not a URL at all', 'loadBert', [key(), { url: 'not a url' }], { error: /could not download/ }],
    ['no source', 'loadBert', [key(), {}], { error: /names neither a URL nor files/ }],
    ['a translation model loaded as BERT', 'loadBert', [key(), { url: url('models/translate-en-pt') }], { either: true }],
    ['a BERT loaded as a translation model', 'loadTranslate', [key(), { url: url('models/fill-mask') }], { either: true }],
    ['config.json that is not JSON', 'loadBert', [key(), { files: { ...good, config: { $text: 'not json {' } } }], { error: /config\.json/ }],
    ['config.json that is JSON but not a BERT config', 'loadBert', [key(), { files: { ...good, config: { $text: '{"hello": "world"}' } } }], { either: true }],
    ['config.json with absurd sizes', 'loadBert', [key(), { files: { ...good, config: { $text: '{"hidden_size": 7, "num_attention_heads": 3, "num_hidden_layers": 1000000000, "vocab_size": -1, "intermediate_size": 0, "max_position_embeddings": 0}' } } }], { either: true }],
    ['config: 0 attention heads', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { num_attention_heads: 0 }) } }], { either: true }],
    ['config: hidden size not divisible by the heads', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { num_attention_heads: 3 }) } }], { either: true }],
    ['config: 10^9 layers', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { num_hidden_layers: 1e9 }) } }], { either: true }],
    ['config: 0 positions', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { max_position_embeddings: 0 }) } }], { either: true }],
    ['config: vocabulary of 2^40', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { vocab_size: 2 ** 40 }) } }], { either: true }],
    ['config: 0 layers', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { num_hidden_layers: 0 }) } }], { either: true }],
    ['config: an unknown activation', 'loadBert', [key(), { files: { ...good, config: patch('bert-gelu', { hidden_act: 'banana' }) } }], { either: true }],
    ['Marian config: 0 heads', 'loadTranslate', [key(), { files: { config: patch('marian-swish', { encoder_attention_heads: 0, decoder_attention_heads: 0 }), tokenizer: fx('marian-swish', 'tokenizer.json'), weights: fx('marian-swish', 'model.safetensors') } }], { either: true }],
    ['Marian config: 10^9 decoder layers', 'loadTranslate', [key(), { files: { config: patch('marian-swish', { decoder_layers: 1e9 }), tokenizer: fx('marian-swish', 'tokenizer.json'), weights: fx('marian-swish', 'model.safetensors') } }], { either: true }],
    ['tokenizer.json that is not JSON', 'loadBert', [key(), { files: { ...good, tokenizer: { $text: '<html>' } } }], { error: /tokenizer\.json/ }],
    ['empty weights', 'loadBert', [key(), { files: { ...good, weights: { $text: '' } } }], { either: true }],
    ['weights cut short (1000 bytes)', 'loadBert', [key(), { files: { ...good, weights: { ...fx('bert-gelu', 'model.safetensors'), slice: 1000 } } }], { either: true }],
    ['weights of another model', 'loadBert', [key(), { files: { ...good, weights: fx('bert-relu', 'model.safetensors') } }], { either: true }],
    ['weights that are random bytes', 'loadBert', [key(), { files: { ...good, weights: { $text: 'x'.repeat(4096) } } }], { either: true }],
    ['a safetensors header claiming 2^53 bytes', 'loadBert', [key(), { files: { ...good, weights: { $text: '\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u001f\u0000{}' } } }], { either: true }],
    ['a tokenizer from another model', 'loadBert', [key(), { files: { ...good, tokenizer: fx('bert-relu', 'tokenizer.json') } }], { either: true }],
  ];
  const wrong = await runCases(cases.map(([label, ...rest]) => [`source: ${label}`, ...rest]));
  assert.deepEqual(wrong, []);
});

test('the page itself: odd texts show an answer or an error in words, never NaN, never markup', async () => {
  const p = await browser.newPage();
  const dialogs = [];
  p.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await p.goto(browser.url);
  await p.waitForFunction(() => document.getElementById('fill-mask').dataset.state === 'ready', null, { timeout: 60_000 });
  const wrong = [];
  for (const [label, text, expect] of TEXTS) {
    const runs = Number((await p.getAttribute('#fill-mask', 'data-runs')) ?? 0);
    await p.$eval('#text', (t, json) => (t.value = JSON.parse(json)), JSON.stringify(text));
    await p.click('#fill');
    await p.waitForFunction(
      (n) => Number(document.getElementById('fill-mask').dataset.runs ?? 0) > n && document.getElementById('fill-mask').dataset.state !== 'loading',
      runs,
      { timeout: TIMEOUT },
    );
    const shown = await p.evaluate(() => ({
      state: document.getElementById('fill-mask').dataset.state,
      cards: document.querySelectorAll('.tl-card').length,
      probs: [...document.querySelectorAll('.tl-card .tl-num')].map((e) => e.textContent),
      error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
      injected: document.querySelectorAll('main img, main script').length,
    }));
    const bad = shown.probs.filter((x) => !/^\d{1,3}\.\d%$/.test(x));
    let verdict = null;
    if (bad.length) verdict = `shows ${bad.slice(0, 3).join(', ')}`;
    else if (shown.injected) verdict = 'markup from the text became elements';
    else if (expect.error && !expect.error.test(shown.error)) verdict = `expected an error matching ${expect.error}, shows "${shown.error}"`;
    else if (expect.masks && shown.cards !== expect.masks) verdict = `expected ${expect.masks} cards, shows ${shown.cards} (${shown.error})`;
    if (verdict) wrong.push(`page: ${label}: ${verdict}`);
  }
  await p.$eval('#text', (t) => (t.value = 'The man went to the [MASK].'));
  await p.click('#fill');
  await p.waitForFunction(() => document.querySelectorAll('.tl-card').length === 1 && document.getElementById('fill-mask').dataset.state === 'ready');
  assert.deepEqual(wrong, []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(p.problems, []);
  await p.close();
});

test('no uncaught error and no console error in the page that ran the cases (bar the 404s asked for)', () => {
  assert.deepEqual(page.problems.filter((p) => !/404|Failed to load resource/.test(p)), []);
});
