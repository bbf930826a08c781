// 中文 in headless Chromium: the Chinese and multilingual hub layouts load by URL and give
// PyTorch's logits (fixtures/bert-zh-chars: tokenizer.json + model.safetensors, like
// google-bert/bert-base-chinese; fixtures/bert-zh-wwm: only vocab.txt + tokenizer_config.json +
// pytorch_model.bin, like hfl/chinese-roberta-wwm-ext; fixtures/bert-multilingual-cased); the
// demo's language choice loads the built-in Chinese model, which answers as recorded at
// export (assets/fill-mask-zh/golden.json: expectations are read from there, never written
// here, since the weights are retrained); the 中文 lecture page shows Chinese examples in its
// BERT widgets, the English model's [UNK]s beside the Chinese model's characters, and one
// word for mask; local files in the vocab.txt + pytorch_model.bin layout; traditional input
// read as simplified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, fixture, repo, maxAbsDiff, outcome, runs, allAnswered } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const TOL = 1e-4;
const HAN = /\p{Script=Han}/u;
const hanChars = (text) => [...text].filter((c) => HAN.test(c));
const golden = () => JSON.parse(fs.readFileSync(path.join(repo, 'assets/fill-mask-zh/golden.json'), 'utf8'));
const indexEntry = (name) => JSON.parse(fs.readFileSync(path.join(repo, 'models/index.json'), 'utf8'))[name] ?? {};

/** The first mask card of the page's fill-mask widget: [{token, id, prob}]. */
function topCandidates(page, widget = '#fill-mask') {
  return page.$$eval(`${widget} .tl-card:first-child li`, (lis) =>
    lis.map((li) => ({ token: li.querySelector('.tl-tok').title.match(/^token (\S+)/)[1], id: Number(li.dataset.id), prob: Number(li.dataset.p) })),
  );
}

/** Waits for an outcome of #fill-mask after `n` earlier ones, with no model load running. */
async function answered(page, n) {
  await page.waitForFunction(
    (n) => {
      const w = document.getElementById('fill-mask');
      return Number(w.dataset.runs ?? 0) > n && w.dataset.state !== 'loading' && !/loading/.test(document.getElementById('model-name').textContent);
    },
    n,
    { timeout: 60_000 },
  );
  return page.getAttribute('#fill-mask', 'data-state');
}

/** index.html with 中文 chosen in the fill-mask widget's language choice, answered. */
async function indexInChinese() {
  const page = await browser.newPage();
  await page.goto(browser.url);
  assert.equal(await outcome(page, '#fill-mask'), 'ready');
  assert.equal(await page.isChecked('#model-lang-en'), true, 'index.html is English: English is the default');
  const n = await runs(page, '#fill-mask');
  await page.check('#model-lang-zh');
  assert.equal(await answered(page, n), 'ready');
  return page;
}

/** Types `text` into #text of the fill-mask widget and presses Fill: its state. */
async function fill(page, text) {
  const n = await runs(page, '#fill-mask');
  await page.fill('#text', text);
  await page.click('#fill');
  return answered(page, n);
}

test('the Chinese and multilingual hub layouts load by URL prefix and match PyTorch to 1e-4 in Chromium', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  for (const name of ['bert-zh-chars', 'bert-zh-wwm', 'bert-multilingual-cased']) {
    const prefix = new URL(`hub/test-org/${name}/resolve/main`, browser.url).href;
    const { cases } = fixture(name);
    const got = await page.evaluate(
      async ({ prefix, texts, key }) => {
        const { TlabClient } = await import('./lib/client.js');
        const client = (globalThis.__client ??= new TlabClient());
        await client.loadBert(key, { url: prefix });
        const out = [];
        for (const t of texts) out.push({ logits: await client.logits(key, t), fill: await client.fill(key, t, 5) });
        return out;
      },
      { prefix, texts: cases.map((c) => c.text), key: name },
    );
    for (const [i, c] of cases.entries()) {
      const { logits, fill } = got[i];
      assert.deepEqual(logits.input_ids, c.input_ids, `${name}: ${c.text}`);
      assert.deepEqual(fill.tokens, c.tokens, `${name}: ${c.text}`);
      assert.deepEqual(logits.mask_positions, c.mask_positions, `${name}: ${c.text}`);
      c.logits.forEach((row, m) => {
        const d = maxAbsDiff(logits.logits[m], row);
        assert.ok(d <= TOL, `${name}: ${c.text} mask ${m}: max |Δ| ${d}`);
        assert.deepEqual(fill.masks[m].candidates.map((x) => x.id), c.top5_ids[m], `${name}: ${c.text} mask ${m}: top-5`);
        const dp = maxAbsDiff(fill.masks[m].candidates.map((x) => x.prob), c.top5_probs[m]);
        assert.ok(dp <= TOL, `${name}: ${c.text} mask ${m}: top-5 probabilities, max |Δ| ${dp}`);
      });
    }
  }
  // The layouts tried first and missing (tokenizer.json, model.safetensors of bert-zh-wwm;
  // tokenizer_config.json of none) leave nothing on the page's console.
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('local files: by file name in either layout, and by the older field names {config, tokenizer, weights}', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const hub = (name, file) => new URL(`hub/o/${name}/resolve/main/${file}`, browser.url).href;
  const sets = {
    'zh-wwm by name': { fixture: 'bert-zh-wwm', files: { 'config.json': hub('bert-zh-wwm', 'config.json'), 'vocab.txt': hub('bert-zh-wwm', 'vocab.txt'), 'tokenizer_config.json': hub('bert-zh-wwm', 'tokenizer_config.json'), 'pytorch_model.bin': hub('bert-zh-wwm', 'pytorch_model.bin') } },
    'zh-chars by name': { fixture: 'bert-zh-chars', files: { 'config.json': hub('bert-zh-chars', 'config.json'), 'tokenizer.json': hub('bert-zh-chars', 'tokenizer.json'), 'model.safetensors': hub('bert-zh-chars', 'model.safetensors') } },
    'gelu by the old fields': { fixture: 'bert-gelu', files: { config: hub('bert-gelu', 'config.json'), tokenizer: hub('bert-gelu', 'tokenizer.json'), weights: hub('bert-gelu', 'model.safetensors') } },
  };
  for (const [label, { fixture: name, files }] of Object.entries(sets)) {
    const c = fixture(name).cases[0];
    const got = await page.evaluate(
      async ({ files, text, key }) => {
        const { TlabClient } = await import('./lib/client.js');
        const client = (globalThis.__client ??= new TlabClient());
        const bytes = {};
        for (const [k, url] of Object.entries(files)) bytes[k] = await (await fetch(url)).arrayBuffer();
        await client.loadBert(key, { files: bytes });
        return client.logits(key, text);
      },
      { files, text: c.text, key: label },
    );
    assert.deepEqual(got.input_ids, c.input_ids, label);
    assert.ok(maxAbsDiff(got.logits[0], c.logits[0]) <= TOL, label);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('index.html, 中文: the built-in Chinese model answers every golden.json line as recorded at export', async () => {
  const page = await indexInChinese();
  const entry = indexEntry('fill-mask-zh');
  const lines = golden();
  assert.ok(lines.length >= 4, 'assets/fill-mask-zh/golden.json has its lines');
  // Choosing 中文 shows the model's example and names it as built in.
  assert.equal(await page.inputValue('#text'), entry.example ?? '床前明月[MASK]，疑是地上霜。');
  assert.equal(await page.isChecked('#model-lang-zh'), true);
  const summary = await page.textContent('#model-picker summary');
  assert.match(summary, /^Model: built in: .+ 4 layers/);
  if (entry.name) assert.ok(summary.includes(entry.name), `${summary} names ${entry.name}`);
  for (const g of lines) {
    assert.equal(await fill(page, g.text), 'ready', g.text);
    const got = await topCandidates(page);
    assert.deepEqual(got.map((c) => c.token), g.top5, g.text);
    for (const [i, c] of got.entries()) assert.ok(Math.abs(c.prob - g.probs[i]) < TOL, `${g.text}: ${c.token} ${c.prob} vs ${g.probs[i]}`);
    assert.equal(await page.textContent('#filled'), g.filled, g.text);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

// The answers are characters (one Han character each, most probable first). Whether a
// famous line's own character is among them is the model's quality: over held-out poems it
// is measured by `tlab-train eval` (assets/fill-mask-zh/MODEL_CARD.md); here, the three lines
// the model has learned (楼 and 乡 first, 国 fifth at export) must keep their character in
// the top 5, while 床前明月[MASK] (光 not yet in its top 5) only has to give characters.
test('index.html, 中文: the answers for 床前明月[MASK]… are single Han characters, most probable first; 乡, 楼 and 国 are in their lines\' top 5', async () => {
  const page = await indexInChinese();
  assert.equal(await fill(page, '床前明月[MASK]，疑是地上霜。'), 'ready');
  const got = await topCandidates(page);
  assert.equal(got.length, 5);
  for (const c of got) assert.ok(/^\p{Script=Han}$/u.test(c.token), `${c.token} is one Han character`);
  for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].prob >= got[i].prob, 'sorted by probability');
  for (const [line, answer] of [['举头望明月，低头思故[MASK]。', '乡'], ['欲穷千里目，更上一层[MASK]。', '楼'],
    ['红豆生南[MASK]，春来发几枝。', '国']]) {
    assert.equal(await fill(page, line), 'ready', line);
    const top = (await topCandidates(page)).map((c) => c.token);
    assert.ok(top.includes(answer), `${line}: ${answer} in the top 5 (${top.join(' ')})`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('index.html, 中文: traditional 臺灣大[MASK] is read as 台 湾 大; Chinese characters are word buttons; switching back to English', async () => {
  const page = await indexInChinese();
  assert.equal(await fill(page, '臺灣大[MASK]'), 'ready');
  // The tokens the tokenizer returns, not the text as typed.
  const tokens = await page.$$eval('#fill-mask .tl-fill-tokens li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(tokens, ['[CLS]', '台', '湾', '大', '[MASK]', '[SEP]']);
  assert.match(await page.textContent('#filled'), /^臺灣大/, 'the filled text keeps what was typed');
  // Each character is a word button: a click masks it, a second click brings it back.
  await fill(page, '床前明月光，疑是地上霜。');
  assert.deepEqual(await page.$$eval('#words .tl-word', (b) => b.map((x) => x.textContent)), [...'床前明月光疑是地上霜']);
  let n = await runs(page, '#fill-mask');
  await page.click('#words .tl-word:text-is("光")');
  assert.equal(await page.inputValue('#text'), '床前明月[MASK]，疑是地上霜。');
  assert.equal(await answered(page, n), 'ready');
  assert.equal(await page.$$eval('#fill-mask .tl-card', (c) => c.length), 1);
  n = await runs(page, '#fill-mask');
  await page.click('#words .tl-word.masked');
  assert.equal(await page.inputValue('#text'), '床前明月光，疑是地上霜。');
  await answered(page, n);
  // English again: the English model and its example.
  n = await runs(page, '#fill-mask');
  await page.check('#model-lang-en');
  assert.equal(await answered(page, n), 'ready');
  assert.equal(await page.inputValue('#text'), 'The man went to the [MASK] to buy some milk.');
  assert.match(await page.textContent('#model-picker summary'), /^Model: built in: .+ 6 layers/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('index.html: the model picker suggests Chinese and multilingual hub checkpoints', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await outcome(page, '#fill-mask');
  await page.click('#model-picker summary');
  const names = await page.$$eval('#model-picker .tl-suggestion', (b) => b.map((x) => x.dataset.model));
  for (const name of ['google-bert/bert-base-uncased', 'google-bert/bert-base-chinese', 'hfl/chinese-roberta-wwm-ext', 'google-bert/bert-base-multilingual-cased']) {
    assert.ok(names.includes(name), `suggests ${name}`);
  }
  // A click only puts the name in the box: the download waits for Load.
  await page.click('#model-picker .tl-suggestion[data-model="google-bert/bert-base-chinese"]');
  assert.equal(await page.inputValue('#model-url'), 'google-bert/bert-base-chinese');
  assert.equal(await page.isHidden('#progress'), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('index.html: local files in the vocab.txt + pytorch_model.bin layout (fixtures/bert-zh-wwm) load', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await outcome(page, '#fill-mask');
  const dir = path.join(repo, 'fixtures', 'bert-zh-wwm');
  await page.click('#model-picker summary');
  // An incomplete choice is refused, naming the alternatives.
  await page.setInputFiles('#model-files', ['config.json', 'vocab.txt'].map((f) => path.join(dir, f)));
  assert.match(await page.textContent('#error'), /^Missing model\.safetensors or pytorch_model\.bin — choose config\.json, tokenizer\.json or vocab\.txt, and model\.safetensors or pytorch_model\.bin together/);
  const n = await runs(page, '#fill-mask');
  await page.setInputFiles('#model-files', ['config.json', 'vocab.txt', 'tokenizer_config.json', 'pytorch_model.bin'].map((f) => path.join(dir, f)));
  await answered(page, n);
  assert.equal(await page.textContent('#model-name'), 'local files');
  assert.equal(await page.isChecked('#model-lang-en') || (await page.isChecked('#model-lang-zh')), false, 'no built-in language model answers');
  assert.equal(await page.isHidden('#error'), true);
  const c = fixture('bert-zh-wwm').cases[0];
  assert.equal(await fill(page, c.text), 'ready');
  const got = await topCandidates(page);
  assert.deepEqual(got.map((x) => x.id), c.top5_ids[0]);
  assert.ok(maxAbsDiff(got.map((x) => x.prob), c.top5_probs[0]) < TOL);
  assert.deepEqual(await page.$$eval('#fill-mask .tl-fill-tokens li', (lis) => lis.map((li) => li.textContent)), c.tokens);
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** The lecture page once every widget has an outcome (those with no built-in model say what they need). */
async function lecture(lang) {
  const page = await browser.newPage();
  await page.goto(new URL(`lecture.html?lang=${lang}`, browser.url).href);
  await allAnswered(page); // scrolled through as a reader would: widgets load when near
  const failed = await page.$$eval('.tl-widget[data-state="error"]', (ws) =>
    ws.map((w) => `${w.tagName}: ${w.querySelector('.tl-error')?.textContent}`).filter((e) => !/^BERT-(CLASSIFY|QA|NSP): (No model is loaded|没有加载模型)/.test(e)),
  );
  assert.deepEqual(failed, []);
  return page;
}

/** The pieces of a tokenizer view's column (`side`: main or compare): [{text, special}]. */
const pieces = (page, sel) =>
  page.$$eval(sel, (lis) => lis.map((li) => ({ text: li.querySelector('.tl-piece-text').textContent, unknown: li.classList.contains('unknown') })));

test('the 中文 lecture page: Chinese examples and the Chinese model in the tokenizer view, fill-mask and pre-training view', async () => {
  const page = await lecture('zh');
  const zh = indexEntry('fill-mask-zh');

  // Tokens: the Chinese model, one token per character, beside the English model's [UNK]s.
  const view = '#tokens tokenizer-view[compare]';
  assert.ok(await page.isVisible(view));
  assert.equal(await page.isVisible('#tokens tokenizer-view[model="bert"]'), false, 'the English example is for the English page');
  const text = await page.inputValue(`${view} .tl-input-text`);
  const han = hanChars(text);
  assert.ok(han.length >= 6, `a Chinese example: ${text}`);
  const main = await pieces(page, `${view} [data-side="main"] .tl-piece`);
  const other = await pieces(page, `${view} [data-side="compare"] .tl-piece`);
  assert.deepEqual(main.filter((p) => HAN.test(p.text)).map((p) => p.text), han, 'the Chinese model: one token per character');
  assert.equal(main.filter((p) => p.unknown).length, 0);
  const unknown = other.filter((p) => p.unknown).length;
  assert.ok(unknown > han.length / 2, `the English model: mostly [UNK] (${unknown} of ${han.length} characters)`);
  assert.match(await page.textContent(`${view} [data-side="compare"] .tl-muted`), new RegExp(`其中 ${unknown} 个未知词元`));
  assert.match(await page.textContent(`${view} [data-side="main"] h4`), /的分词器（tokenizer）$/);
  // Traditional characters come back as the simplified tokens the tokenizer returns.
  const trad = await pieces(page, '#tokens tokenizer-view:not([compare])[src] .tl-piece');
  assert.deepEqual(trad.slice(1, 5).map((p) => p.text), ['台', '湾', '大', '学']);

  // Fill-mask: the built-in Chinese model (the page's language) with its example.
  const fm = '#masking bert-fill-mask';
  assert.equal(await page.inputValue(`${fm} .tl-input-text`), zh.example ?? '床前明月[MASK]，疑是地上霜。');
  assert.match(await page.textContent(`${fm} .tl-picker summary`), /^模型： 内置：.* 4 层/);
  assert.equal(await page.isChecked(`${fm} .tl-model-lang input[value="zh"]`), true);
  assert.equal(await page.$$eval(`${fm} .tl-card li`, (l) => l.length), 5);
  const read = await page.$$eval(`${fm} .tl-fill-tokens li`, (lis) => lis.map((li) => li.textContent));
  assert.ok(read.slice(1, -1).every((t) => [...t].length === 1 || t === '[MASK]'), `one token per character: ${read.join(' ')}`);
  assert.ok(await page.isVisible(`#masking attention-map[src]`), 'its attention map');

  // The pre-training view on a Chinese poem: characters masked, predictions, a loss.
  const pre = '#masking bert-pretraining.zh';
  assert.ok(await page.isVisible(pre));
  assert.equal(await page.isVisible('#masking bert-pretraining.en'), false);
  const corrupted = await page.$$eval(`${pre} .tl-pieces .tl-piece-text`, (s) => s.map((x) => x.textContent));
  assert.ok(corrupted.filter((t) => /\p{Script=Han}/u.test(t)).length >= 10, corrupted.join(' '));
  assert.ok(corrupted.includes('[MASK]') || (await page.$$eval(`${pre} .tl-card`, (c) => c.length)) > 0);
  assert.ok(Number.isFinite(Number(await page.getAttribute(pre, 'data-loss'))));
  assert.match(await page.textContent(`${pre} .tl-seed`), /^随机种子 \d+$/);

  // One glossary: 掩码 for mask, full-width colons after Chinese, nothing called "seed".
  const shown = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(shown, /遮盖|遮罩|蒙版|遮住/);
  assert.doesNotMatch(shown, /\p{Script=Han}[:;,]/u);
  assert.equal(await page.innerText('#beam h2'), '6. 贪心解码与束搜索（Beam Search）', 'the course’s English term beside the Chinese');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the lecture page: its fill-mask widget follows the page language (English ⇄ 中文)', async () => {
  const page = await lecture('en');
  const fm = '#masking bert-fill-mask';
  const english = await page.getAttribute(fm, 'text');
  assert.match(await page.textContent(`${fm} .tl-picker summary`), /^Model: built in: .+ 6 layers/);
  let n = await runs(page, fm);
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.waitForFunction(
    ({ fm, n }) => {
      const w = document.querySelector(fm);
      return Number(w.dataset.runs) > n && w.dataset.state === 'ready' && /4 层/.test(w.querySelector('.tl-picker summary').textContent);
    },
    { fm, n },
    { timeout: 60_000 },
  );
  assert.ok(HAN.test(await page.inputValue(`${fm} .tl-input-text`)), 'a Chinese example');
  n = await runs(page, fm);
  await page.click('tlab-lang-switch button[data-lang="en"]');
  await page.waitForFunction(
    ({ fm, n }) => {
      const w = document.querySelector(fm);
      return Number(w.dataset.runs) > n && w.dataset.state === 'ready' && /6 layers/.test(w.querySelector('.tl-picker summary').textContent);
    },
    { fm, n },
    { timeout: 60_000 },
  );
  assert.equal(await page.inputValue(`${fm} .tl-input-text`), english);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the 中文 lecture page at phone width (375 px) does not overflow sideways', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(new URL('lecture.html?lang=zh', browser.url).href);
  await allAnswered(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `page is ${width} px wide`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
