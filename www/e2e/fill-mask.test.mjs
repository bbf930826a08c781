// The fill-mask page in headless Chromium: real answers from the wasm model, checked
// against the PyTorch fixtures; model loading by URL prefix and by local files; errors in
// the page, in words, with the page still working afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, fixture, repo, maxAbsDiff } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const TOL = 1e-4;

/** Reads the first mask card's candidates as {id, prob}. */
async function candidates(page) {
  await page.waitForSelector('.tl-card li');
  return page.$$eval('.tl-card:first-child li', (lis) =>
    lis.map((li) => ({ id: Number(li.dataset.id), prob: Number(li.dataset.p) })),
  );
}

test('default page: the trained English model answers as recorded at export', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  // assets/fill-mask-en/golden.json: the native answers written by `tlab-train export`.
  const golden = JSON.parse(fs.readFileSync(path.join(repo, 'assets/fill-mask-en/golden.json'), 'utf8'))[0];
  assert.equal(await page.inputValue('#text'), golden.text);
  const got = await candidates(page);
  assert.equal(got.length, 5);
  const tokens = await page.$$eval('.tl-card:first-child li', (lis) =>
    lis.map((li) => li.querySelector('.tl-tok').title.match(/^token (\S+)/)[1]),
  );
  assert.deepEqual(tokens, golden.top5);
  for (const [i, c] of got.entries()) {
    assert.ok(c.prob > 0 && c.prob <= 1, `probability ${c.prob} in (0, 1]`);
    assert.ok(Math.abs(c.prob - golden.probs[i]) < TOL, `prob ${c.prob} vs ${golden.probs[i]}`);
  }
  assert.equal(await page.textContent('#filled'), golden.filled);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('built-in AntiBERTy recovers masked residues and classifies the chain', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await candidates(page);
  await page.click('summary');
  await page.click('#load-antiberty');
  await page.waitForFunction(() => /AntiBERTy/.test(document.getElementById('model-name').textContent) &&
    !/loading/.test(document.getElementById('model-name').textContent));
  await page.waitForSelector('.tl-class-head[data-head="chain"]');
  // The example is trastuzumab's heavy chain with Q3 and W103 masked (models/index.json).
  const firsts = await page.$$eval('.tl-card', (cards) =>
    cards.map((c) => c.querySelector('li .tl-tok').textContent),
  );
  assert.deepEqual(firsts, ['Q', 'W']);
  const chain = await page.$eval('.tl-class-head[data-head="chain"]', (p) => p.dataset.label);
  assert.equal(chain, 'Heavy');
  assert.ok(!(await page.textContent('#filled')).includes(' '), 'residues are joined without spaces');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('wasm logits match PyTorch to 1e-4 in Chromium (model loaded from a hub-like URL)', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  const prefix = new URL('hub/test-org/bert-gelu/resolve/main', browser.url).href;
  const { cases } = fixture('bert-gelu');
  const results = await page.evaluate(
    async ({ prefix, texts }) => {
      const { TlabClient } = await import('./lib/client.js');
      const client = new TlabClient();
      await client.loadBert('parity', { url: prefix });
      const out = [];
      for (const t of texts) out.push(await client.logits('parity', t));
      return out;
    },
    { prefix, texts: cases.map((c) => c.text) },
  );
  for (const [i, c] of cases.entries()) {
    assert.deepEqual(results[i].input_ids, c.input_ids, c.text);
    assert.deepEqual(results[i].mask_positions, c.mask_positions, c.text);
    c.logits.forEach((row, m) => {
      const d = maxAbsDiff(results[i].logits[m], row);
      assert.ok(d <= TOL, `${c.text} mask ${m}: max |Δ| ${d}`);
    });
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('load a model from a URL prefix typed in the page', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await candidates(page);
  const expected = fixture('bert-relu').cases[0];
  await page.click('#model-picker summary');
  await page.fill('#model-url', new URL('hub/someone/bert-relu/resolve/main', browser.url).href);
  await page.click('#load-url');
  await page.waitForFunction(() => document.getElementById('model-info').textContent.includes('3 layers'));
  await page.waitForFunction(
    (id) => document.querySelector('.tl-card li')?.dataset.id === String(id),
    expected.top5_ids[0][0],
  );
  const got = await candidates(page);
  assert.deepEqual(got.map((c) => c.id), expected.top5_ids[0]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('load a model from local files', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await candidates(page);
  const dir = path.join(repo, 'fixtures', 'bert-gelu-new-f16');
  await page.click('#model-picker summary');
  await page.setInputFiles('#model-files', ['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => path.join(dir, f)));
  await page.waitForFunction(() => document.getElementById('model-name').textContent === 'local files');
  const expected = fixture('bert-gelu-new-f16').cases[0];
  await page.waitForFunction(
    (id) => document.querySelector('.tl-card li')?.dataset.id === String(id),
    expected.top5_ids[0][0],
  );
  assert.deepEqual((await candidates(page)).map((c) => c.id), expected.top5_ids[0]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('errors are shown in words and the page keeps working', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await candidates(page);
  await page.fill('#text', 'There is nothing to fill here.');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /no \[MASK\] to fill/);
  // A bad model address: an error, and the previous model still answers.
  await page.click('#model-picker summary');
  await page.fill('#model-url', new URL('hub/nobody/no-such-model/resolve/main', browser.url).href);
  await page.click('#load-url');
  await page.waitForFunction(() => /Could not load the model/.test(document.getElementById('error').textContent));
  assert.match(await page.textContent('#error'), /HTTP 404/);
  await page.click('#load-default');
  await page.fill('#text', 'She [MASK] a [MASK] of the [MASK] yesterday.');
  await page.waitForFunction(() => document.querySelectorAll('.tl-card').length === 3);
  assert.equal(await page.isHidden('#error'), true);
  // The browser's own 404 log line for the missing file is expected; nothing else.
  const others = page.problems.filter((p) => !/404/.test(p));
  assert.deepEqual(others, []);
  await page.close();
});

test('clicking a word masks it, clicking again restores it', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await candidates(page);
  await page.fill('#text', 'The dog went to the store.');
  await page.waitForSelector('#error:not([hidden])');
  await page.click('.tl-word:has-text("dog")');
  assert.equal(await page.inputValue('#text'), 'The [MASK] went to the store.');
  await page.waitForSelector('#error', { state: 'hidden' });
  assert.equal((await candidates(page)).length, 5);
  await page.click('.tl-word.masked');
  assert.equal(await page.inputValue('#text'), 'The dog went to the store.');
  assert.deepEqual(page.problems, []);
  await page.close();
});
