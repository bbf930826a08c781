// The worker contract, in headless Chromium: lib/ops.js is the one list of operations. An op
// asked of a model of the wrong kind, or an op the worker does not know, fails in words (not
// "fill is not a function"); every op of the table names a method that the wasm class of each
// of its kinds has, and the client has one method per op; a normal request still answers.
// The fine-tuned BERT kinds (classifier, tagger, qa) load test checkpoints from the hub
// stand-in and take the same checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

let browser;
let page; // bench.html with its own TlabClient (globalThis.__client)
before(async () => {
  browser = await launch();
  page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const loaded = await page.evaluate(async () => {
    const { TlabClient, DEFAULT_BERT, DEFAULT_TRANSLATE, BUILTIN_GPT } = await import('./lib/client.js');
    const c = (globalThis.__client = new TlabClient());
    const tr = DEFAULT_TRANSLATE['en-pt'];
    await c.loadBert(DEFAULT_BERT.key, { url: DEFAULT_BERT.url });
    await c.loadTranslate(tr.key, { url: tr.url, shortlist: tr.shortlist });
    const hub = (name) => new URL(`hub/test-org/${name}/resolve/main`, location.href).href;
    await c.load('classifier', 'cls', { url: hub('bert-head-seqcls') });
    await c.load('tagger', 'tagger', { url: hub('bert-head-tokcls') });
    await c.load('qa', 'qa', { url: hub('bert-head-qa') });
    const gpt = await c.loadGpt(BUILTIN_GPT.key, { url: BUILTIN_GPT.url });
    return [DEFAULT_BERT.key, tr.key, BUILTIN_GPT.key, gpt.layers > 0];
  });
  assert.deepEqual(loaded, ['default-bert', 'default-translate-en-pt', 'builtin-gpt-poetry', true]);
});
after(async () => {
  await browser?.close();
});

const BERT = 'default-bert';
const TR = 'default-translate-en-pt';
const CLS = 'cls';
const TAGGER = 'tagger';
const QA = 'qa';
const GPT = 'builtin-gpt-poetry';

/** Runs `client[method](...args)` (or client.request(msg) for method 'request') in the page:
 * {ok, error?, result?}. */
function call(method, ...args) {
  return page.evaluate(
    async ({ method, args }) =>
      globalThis.__client[method](...args).then(
        (result) => ({ ok: true, result }),
        (e) => ({ ok: false, error: String(e?.message ?? e), name: e?.name }),
      ),
    { method, args },
  );
}

/** Each case [method, args, error]: the call fails, in words that match `error` (not "… is
 * not a function", not a crash). */
async function refuses(cases) {
  for (const [method, args, error] of cases) {
    const got = await call(method, ...args);
    assert.equal(got.ok, false, `${method}: answered ${JSON.stringify(got.result)?.slice(0, 80)}`);
    assert.match(got.error, error, method);
    assert.doesNotMatch(got.error, /is not a function|crashed/, method);
  }
}

/** The next normal requests answer. */
async function healthy() {
  const fill = await call('fill', BERT, 'The man went to the [MASK] to buy some milk.', 5);
  assert.ok(fill.ok, fill.error);
  assert.equal(fill.result.masks[0].candidates.length, 5);
  const tr = await call('translate', TR, 'The cat sat on the mat.', {});
  assert.ok(tr.ok, tr.error);
  assert.ok(tr.result.translation.length > 0);
  const tag = await call('tag', TAGGER, 'The man went to the store.');
  assert.ok(tag.ok, tag.error);
  assert.equal(tag.result.words.length, 7);
}

test('an op asked of a model of the wrong kind fails in words, naming both', async () => {
  const cases = [
    ['translate', [BERT, 'The cat sat.', {}], /^"translate" needs a translation model; "default-bert" is a BERT fill-mask model$/],
    ['teacherForce', [BERT, 'The cat sat.', 'O gato sentou.'], /^"teacherForce" needs a translation model; "default-bert" is a BERT fill-mask model$/],
    ['encoderAttentions', [BERT, 'The cat sat.'], /^"encoderAttentions" needs a translation model; "default-bert" is a BERT fill-mask model$/],
    ['fill', [TR, 'The man went to the [MASK].', 5], /^"fill" needs a BERT fill-mask model; "default-translate-en-pt" is a translation model$/],
    ['pretrainDemo', [TR, 'The man went to the shop.', 1, 5], /^"pretrainDemo" needs a BERT fill-mask model; "default-translate-en-pt" is a translation model$/],
    ['classify', [TR, 'The cat sat.'], /^"classify" needs a BERT fill-mask model; "default-translate-en-pt" is a translation model$/],
    ['train', [BERT, 10], /^"train" needs a fine-tuning run; "default-bert" is a BERT fill-mask model$/],
  ];
  await refuses(cases);
  // Both kinds take tokenize and info.
  for (const key of [BERT, TR]) {
    const tok = await call('tokenize', key, 'The cat sat.');
    assert.ok(tok.ok && tok.result.pieces.length > 0, `tokenize ${key}: ${tok.error}`);
    const info = await call('info', key);
    assert.ok(info.ok && Array.isArray(info.result.warnings), `info ${key}: ${info.error}`);
  }
  await healthy();
});

test('an unknown op, a missing op and a missing model fail in words', async () => {
  const unknown = await call('request', { op: 'frobnicate', key: BERT, text: 'x' });
  assert.equal(unknown.ok, false);
  assert.match(unknown.error, /^the model worker got an unknown request "frobnicate"; it answers load, cancel, memory, info, tokenize, fill, /);
  // A name on Object.prototype is not an op either.
  const proto = await call('request', { op: 'toString', key: BERT });
  assert.match(proto.error, /unknown request "toString"/);
  const none = await call('request', { key: BERT, text: 'x' });
  assert.match(none.error, /^the model worker got a request that names no operation; it answers /);
  // The client's generic entry refuses an unknown op before sending anything.
  const viaOp = await call('op', 'frobnicate', BERT, 'x');
  assert.match(viaOp.error, /unknown request "frobnicate"/);
  const missing = await call('fill', 'no-such-model', 'The [MASK].', 5);
  assert.match(missing.error, /^no model "no-such-model" is loaded$/);
  // The worker's own memory op: the bytes of its wasm memory (whole 64 KiB pages), asked of
  // no model.
  const memory = await call('memory');
  assert.ok(memory.ok && memory.result > 0 && memory.result % 65536 === 0, `memory: ${memory.error ?? memory.result}`);
  // An argument of the wrong type is refused in words by the client and by the worker.
  const notText = await call('tokenize', BERT, 42);
  assert.match(notText.error, /^the text must be a string, not number$/);
  const direct = await call('request', { op: 'teacherForce', key: TR, text: 'The cat.', reference: null });
  assert.match(direct.error, /^the reference translation must be a string, not null$/);
  // A model kind that does not exist.
  const kind = await call('load', 'banana', 'k', { url: 'x' });
  assert.match(kind.error, /^a model kind must be "bert" or "translate" or "tokenizer" or "finetune" or .*, not "banana"$/);
  await healthy();
});

test('every op of lib/ops.js maps to a method of the wasm class of each of its kinds, and to a client method', async () => {
  const seen = await page.evaluate(async () => {
    const { OPS, KINDS, WORKER_OPS } = await import('./lib/ops.js');
    const wasm = await import('./pkg/tlab_web.js');
    const { TlabClient } = await import('./lib/client.js');
    const missing = [];
    const classes = {};
    for (const [kind, { wasmClass }] of Object.entries(KINDS)) {
      const cls = wasm[wasmClass];
      classes[kind] = typeof cls === 'function' ? wasmClass : null;
      if (typeof cls !== 'function') missing.push(`${kind}: pkg/tlab_web.js exports no class ${wasmClass}`);
    }
    const rows = [];
    for (const [name, spec] of Object.entries(OPS)) {
      if (!Array.isArray(spec.kinds) || spec.kinds.length === 0) missing.push(`${name}: no kinds`);
      for (const kind of spec.kinds) {
        const cls = KINDS[kind] && wasm[KINDS[kind].wasmClass];
        if (!cls) missing.push(`${name}: unknown kind ${kind}`);
        else if (typeof cls.prototype[spec.method] !== 'function') missing.push(`${name}: ${KINDS[kind].wasmClass}.prototype.${spec.method} is not a method`);
        // The wasm method takes what the table passes (no more; wasm-bindgen methods have
        // a fixed length).
        else if (cls.prototype[spec.method].length !== spec.args.length) {
          missing.push(`${name}: ${KINDS[kind].wasmClass}.${spec.method} takes ${cls.prototype[spec.method].length} arguments, the table passes ${spec.args.length}`);
        }
      }
      if (typeof TlabClient.prototype[name] !== 'function') missing.push(`${name}: TlabClient has no method ${name}`);
      if (WORKER_OPS.includes(name)) missing.push(`${name}: both a table op and the worker's own`);
      rows.push(`${name} → ${spec.kinds.map((k) => `${KINDS[k]?.wasmClass}.${spec.method}`).join(', ')}`);
    }
    return { missing, classes, rows };
  });
  console.log(seen.rows.join('\n'));
  assert.deepEqual(seen.missing, []);
  assert.deepEqual(seen.classes, {
    bert: 'FillMaskModel',
    translate: 'TranslateModel',
    tokenizer: 'TokenizerModel',
    finetune: 'FineTune',
    classifier: 'SentenceClassifierModel',
    tagger: 'TokenClassifierModel',
    qa: 'QuestionAnsweringModel',
    gpt: 'GenerateModel',
  });
  // The methods that the widgets and the tools call are all there.
  for (const name of ['fill', 'translate', 'teacherForce', 'teacherForceAttentions', 'tokenize', 'encoderAttentions', 'encoderBlock', 'pretrainDemo', 'classify', 'logits', 'attentions', 'info', 'task', 'tunedLayers', 'labels', 'featurize', 'train', 'predict', 'reset', 'exportHead', 'classifyText', 'nextSentence', 'tag', 'answer', 'generate', 'generateIds', 'logitsIds', 'encodePrompt', 'attentionsIds']) {
    assert.ok(seen.rows.some((r) => r.startsWith(`${name} →`)), `the table has ${name}`);
  }
  await healthy();
});

test('the defaults and conversions of the table apply: topK 5, seed >>> 0, options {}', async () => {
  const fill = await call('fill', BERT, 'The man went to the [MASK].');
  assert.ok(fill.ok, fill.error);
  assert.equal(fill.result.masks[0].candidates.length, 5);
  const a = await call('pretrainDemo', BERT, 'The man went to the store to buy some milk and bread.', 2 ** 32 + 5);
  const b = await call('pretrainDemo', BERT, 'The man went to the store to buy some milk and bread.', 5, 5);
  assert.ok(a.ok && b.ok, a.error ?? b.error);
  assert.equal(a.result.seed, 5);
  assert.deepEqual(a.result.positions, b.result.positions);
  const tr = await call('translate', TR, 'The cat sat on the mat.');
  assert.ok(tr.ok, tr.error);
  // Straight to the worker, with the optional fields left out.
  const direct = await call('request', { op: 'fill', key: BERT, text: 'The man went to the [MASK].' });
  assert.ok(direct.ok, direct.error);
  assert.equal(direct.result.masks[0].candidates.length, 5);
  await healthy();
  assert.deepEqual(page.problems, []);
});

test('the fine-tuned BERT kinds: their ops answer, and refuse the wrong kind and bad arguments in words', async () => {
  const cases = [
    ['tag', [BERT, 'The cat sat.'], /^"tag" needs a BERT token classifier \(tagger\); "default-bert" is a BERT fill-mask model$/],
    ['answer', [TR, 'Who?', 'The cat sat.'], /^"answer" needs a BERT question-answering model; "default-translate-en-pt" is a translation model$/],
    ['classifyText', [TAGGER, 'The cat sat.'], /^"classifyText" needs a BERT sentence classifier \(or next-sentence model\); "tagger" is a BERT token classifier \(tagger\)$/],
    ['nextSentence', [QA, 'A cat.', 'It sat.'], /^"nextSentence" needs a BERT sentence classifier .*; "qa" is a BERT question-answering model$/],
    ['fill', [CLS, 'The [MASK] sat.', 5], /^"fill" needs a BERT fill-mask model; "cls" is a BERT sentence classifier \(or next-sentence model\)$/],
    // (classify is the fill-mask model's own heads; a sentence classifier's is classifyText.)
    ['classify', [CLS, 'The cat sat.'], /^"classify" needs a BERT fill-mask model; "cls" is a BERT sentence classifier/],
    ['classifyText', [CLS, 'The cat sat.', 42], /^the second sentence must be a string, not number$/],
    ['nextSentence', [CLS, 'The cat sat.', null], /^sentence B must be a string, not null$/],
    ['answer', [QA, 'Who sat?', undefined], /^the context must be a string, not undefined$/],
    // This checkpoint has a sentence classifier but no next-sentence head: Rust says so.
    ['nextSentence', [CLS, 'The cat sat.', 'It purred.'], /^this model has no next-sentence head \(`cls\.seq_relationship`/],
    ['tag', [TAGGER, '   '], /^the text is empty$/],
  ];
  await refuses(cases);
  // The pair defaults to null (one sentence), straight to the worker as through the client.
  const text = 'The man went to the store to buy some milk.';
  const one = await call('classifyText', CLS, text);
  const direct = await call('request', { op: 'classifyText', key: CLS, text });
  assert.ok(one.ok && direct.ok, one.error ?? direct.error);
  assert.deepEqual(one.result, direct.result);
  assert.deepEqual(one.result.labels.map((l) => l.label), ['positive', 'negative', 'neutral']);
  for (const key of [CLS, TAGGER, QA]) {
    const info = await call('info', key);
    assert.ok(info.ok && info.result.layers === 2 && Array.isArray(info.result.warnings), `info ${key}: ${info.error}`);
  }
  const qa = await call('answer', QA, 'Where did the man go?', text);
  assert.ok(qa.ok, qa.error);
  assert.equal(qa.result.answer, 'went to the store to buy');
  await healthy();
  assert.deepEqual(page.problems, []);
});

test('the GPT kind: its ops answer, agree with each other, and refuse the wrong kind and bad arguments in words', async () => {
  const prompt = '床前明月光，';
  const ids = await call('encodePrompt', GPT, prompt);
  assert.ok(ids.ok, ids.error);
  const promptIds = Array.from(Object.values(ids.result)); // a Uint32Array, cloned
  assert.ok(promptIds.length >= [...prompt].length);
  const info = await call('info', GPT);
  assert.ok(info.ok && info.result.max_tokens > promptIds.length, info.error);
  // The same prompt as text or as ids: the same continuation.
  const opts = { maxNewTokens: 6, topShown: 3 };
  const [byText, byIds] = [await call('generate', GPT, prompt, opts), await call('generateIds', GPT, promptIds, opts)];
  assert.ok(byText.ok && byIds.ok, byText.error ?? byIds.error);
  assert.deepEqual(byText.result.prompt_ids, promptIds);
  assert.deepEqual(byIds.result.ids, byText.result.ids);
  assert.equal(byText.result.steps.length, byText.result.ids.length);
  for (const s of byText.result.steps) {
    assert.equal(s.top.length, 3);
    assert.equal(s.top[0].id, s.id, 'greedy takes the most probable token');
  }
  // Logits and attention over the ids: one row per position.
  const logits = await call('logitsIds', GPT, promptIds);
  assert.ok(logits.ok, logits.error);
  assert.equal(logits.result.length, promptIds.length);
  assert.equal(logits.result[0].length, info.result.vocab);
  const [att, attIds] = [await call('attentions', GPT, prompt), await call('attentionsIds', GPT, promptIds)];
  assert.ok(att.ok && attIds.ok, att.error ?? attIds.error);
  assert.deepEqual(att.result, attIds.result);
  assert.equal(att.result.layers.length, info.result.layers);
  assert.equal(att.result.layers[0].length, info.result.heads);
  const cases = [
    ['generate', [BERT, prompt, {}], /^"generate" needs a GPT \(decoder-only\) model; "default-bert" is a BERT fill-mask model$/],
    ['fill', [GPT, '床前[MASK]月光', 5], /^"fill" needs a BERT fill-mask model; "builtin-gpt-poetry" is a GPT \(decoder-only\) model$/],
    ['translate', [GPT, prompt, {}], /^"translate" needs a translation model; "builtin-gpt-poetry" is a GPT/],
    ['logitsIds', [GPT, []], /^the token ids are empty: give at least one$/],
    ['attentionsIds', [GPT, [1, -2]], /^a token id must be a whole number, not -2$/],
    ['generateIds', [GPT, 'abc', {}], /^the token ids must be a list of numbers, not string$/],
    ['generate', [GPT, 42, {}], /^the prompt must be a string, not number$/],
    ['generate', [GPT, prompt, { temprature: 0.5 }], /^"temprature" is not a generation option; they are maxNewTokens, /],
    ['generate', [GPT, prompt, { beam: 2.5 }], /^the beam width must be a whole number, not 2\.5$/],
    ['generate', [GPT, prompt, { sample: 'yes' }], /^sample must be true or false, not "yes"$/],
    ['generate', [GPT, prompt, { temperature: '1' }], /^the temperature must be a number, not "1"$/],
    ['generate', [GPT, prompt, 'greedy'], /^the generation options must be an object, not "greedy"$/],
    // Ranges are the model's to check, in words.
    ['generate', [GPT, prompt, { sample: true, temperature: 0 }], /^the temperature must be above 0/],
    ['generate', [GPT, prompt, { beam: 40 }], /^the beam width must be between 1 and 16, not 40$/],
    ['generate', [GPT, '床'.repeat(info.result.max_tokens + 5), {}], /^the prompt is \d+ tokens; this model reads at most \d+ tokens in all, so it has no room to continue$/],
    ['logitsIds', [GPT, [info.result.vocab]], /./],
  ];
  await refuses(cases);
  // The options straight to the worker: missing ones default to {} (greedy).
  const direct = await call('request', { op: 'generate', key: GPT, text: prompt });
  assert.ok(direct.ok, direct.error);
  assert.equal(direct.result.beam_trace.length, 0);
  await healthy();
  assert.deepEqual(page.problems, []);
});
