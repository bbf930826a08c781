// The GPT in headless Chromium: <gpt-generate> and the GPT view of <masked-self-attention>,
// on the built-in model (models/gpt-poetry). Its weights are retrained from time to time, so
// nothing here fixes a text: the checks are of structure and properties. Greedy chooses each
// step's most probable token, and the tokens appear one at a time after the prompt's; a step
// shows the distribution it was chosen from (mouse and keyboard); beam search draws the beam
// tree (every node named as the model names its id; its best path the continuation shown) and
// the n-best list, best first; a sampling seed gives the same text again and other seeds
// other texts; bad options and a prompt too long are errors in words, and the widget works
// after them; the model box loads a GPT by URL prefix or from files (and the hub layouts of
// fixtures/gpt2-* when they are there) and refuses incomplete files in words. The attention view draws the
// model's own weights (the `attentions` op): 0 above the diagonal, rows summing to 1, for
// every layer and head. The lecture has its GPT section in English and 中文. The views of
// tools/screenshot.mjs's gpt shots (a greedy run with a step open, the beam tree, the
// attention map) are the ones checked here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, outcome, runs, heatRows, repo, reveal } from './harness.mjs';

const W = 'gpt-generate';
const PROMPT = '床前明月光，';
const GPT = 'builtin-gpt-poetry'; // lib/client.js BUILTIN_GPT.key

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const at = (file, params) => new URL(`${file}?${new URLSearchParams(params)}`, browser.url).href;

/** Waits until the widget's answer is all shown (its animation ended). */
const played = (page) =>
  page.waitForFunction((w) => {
    const el = document.querySelector(w);
    return el.dataset.state !== 'loading' && !('playing' in el.dataset);
  }, W, { timeout: 60_000 });

/** embed.html with <gpt-generate> (attributes `attrs`), its first answer all shown. */
async function open(attrs = {}) {
  const page = await browser.newPage();
  await page.goto(at('embed.html', { widget: W, lang: 'en', text: PROMPT, ...attrs }));
  const state = await outcome(page, W);
  assert.equal(state, 'ready', await page.textContent(`${W} .tl-error`));
  await played(page);
  return page;
}

/** Runs `action` (a click, a changed field) and waits for the run it starts, all shown. */
async function runAfter(page, action) {
  const n = await runs(page, W);
  await action();
  const state = await outcome(page, W, n);
  await played(page);
  return state;
}

/** Sets decoding field `name` (a number field) and runs the widget with it. */
const setField = (page, name, value) =>
  runAfter(page, async () => {
    await page.fill(`${W} .tl-gpt-${name}`, String(value));
    await page.dispatchEvent(`${W} .tl-gpt-${name}`, 'change');
  });

/** What the widget shows: the prompt's tokens, the steps, the text, the step picked. */
const shown = (page) =>
  page.$eval(W, (w) => ({
    prompt: [...w.querySelectorAll('.tl-gpt-prompt')].map((s) => s.textContent),
    steps: [...w.querySelectorAll('.tl-gpt-step')].map((b) => ({ id: Number(b.dataset.id), token: b.textContent, hidden: b.hidden, pressed: b.getAttribute('aria-pressed') })),
    text: w.querySelector('.tl-gpt-text:not([hidden])')?.textContent ?? null,
    picked: Number(w.dataset.picked),
    revealed: Number(w.dataset.revealed),
  }));

/** The distribution shown: its title, the text before the step, and the bars. */
const distribution = (page) =>
  page.$eval(`${W} .tl-gpt-dist`, (d) => ({
    title: d.querySelector('h4')?.textContent ?? '',
    context: d.querySelector('.tl-prefix')?.textContent ?? '',
    bars: [...d.querySelectorAll('.tl-bars li')].map((li) => ({ id: Number(li.dataset.id), p: Number(li.dataset.p), chosen: li.classList.contains('chosen') })),
  }));

function assertDistribution(bars, what) {
  assert.ok(bars.length > 0, what);
  for (const b of bars) assert.ok(b.p >= 0 && b.p <= 1, `${what}: p = ${b.p}`);
  assert.equal(bars.filter((b) => b.chosen).length, 1, `${what}: one token marked chosen`);
}

test('greedy with the built-in model: the tokens appear one at a time after the prompt, and every step chose its most probable token', async () => {
  const page = await open();
  assert.match(await page.textContent(`${W} .tl-picker summary`), /^Model: built in: .+ \d+ layers · hidden \d+ · \d+ heads · [\d.]+ M parameters · reads up to \d+ tokens$/);
  assert.equal(await page.getAttribute(W, 'data-mode'), 'greedy');
  const first = await shown(page);
  assert.ok(first.prompt.join('').endsWith(PROMPT), `the prompt's tokens: ${first.prompt.join(' ')}`);
  assert.ok(first.steps.length > 0 && first.steps.length <= 24, `${first.steps.length} steps (24 new tokens at most)`);
  assert.equal(first.steps.length, Number(await page.getAttribute(W, 'data-steps')));
  assert.ok(first.steps.every((s) => !s.hidden), 'all shown once the animation ended');
  assert.ok(first.text.startsWith(PROMPT), `the text: ${first.text}`);

  // Every step: its distribution, the chosen token first (greedy), probabilities in [0, 1].
  for (const [i, s] of first.steps.entries()) {
    await page.click(`${W} .tl-gpt-step[data-step="${i}"]`);
    const d = await distribution(page);
    assertDistribution(d.bars, `step ${i + 1}`);
    assert.equal(d.bars[0].id, s.id, `step ${i + 1}: the chosen token is top[0]`);
    assert.ok(d.bars[0].chosen, `step ${i + 1}: top[0] is marked`);
    for (let j = 1; j < d.bars.length; j++) assert.ok(d.bars[j - 1].p >= d.bars[j].p, `step ${i + 1}: most probable first`);
    assert.ok(d.bars.reduce((a, b) => a + b.p, 0) <= 1 + 1e-5);
  }

  // Generate again: the same text (greedy), revealed one token at a time.
  const seen = await page.evaluate(
    (w) =>
      new Promise((resolve) => {
        const el = document.querySelector(w);
        const counts = [];
        const hidden = [];
        const watch = new MutationObserver(() => {
          counts.push(Number(el.dataset.revealed));
          hidden.push(el.querySelectorAll('.tl-gpt-step[hidden]').length);
          if (!('playing' in el.dataset) && el.dataset.state === 'ready' && counts.at(-1) === Number(el.dataset.steps)) {
            watch.disconnect();
            resolve({ counts, hidden, steps: Number(el.dataset.steps) });
          }
        });
        watch.observe(el, { attributes: true, attributeFilter: ['data-revealed', 'data-playing', 'data-state'] });
        el.querySelector('.tl-gpt-go').click();
      }),
    W,
  );
  // (The first record is the run starting, the last answer still shown.)
  const revealed = [...new Set(seen.counts.slice(seen.counts.indexOf(0)))];
  assert.deepEqual(revealed, Array.from({ length: seen.steps + 1 }, (_, i) => i), 'one more token at a time, from none to all');
  seen.counts.forEach((c, i) => i >= seen.counts.indexOf(0) && assert.equal(seen.hidden[i], seen.steps - c, 'the tokens not yet revealed are hidden'));
  const again = await shown(page);
  assert.deepEqual(again.steps.map((s) => s.id), first.steps.map((s) => s.id), 'greedy: the same continuation');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a step, clicked or reached with the arrow keys, shows the distribution it was chosen from', async () => {
  const page = await open({ delay: '0' });
  const { steps, prompt } = await shown(page);
  assert.ok(steps.length >= 4);
  // By default the newest step is shown.
  assert.equal((await shown(page)).picked, steps.length - 1);
  await page.click(`${W} .tl-gpt-step[data-step="2"]`);
  let now = await shown(page);
  assert.equal(now.picked, 2);
  assert.deepEqual(now.steps.map((s) => s.pressed), steps.map((_, i) => String(i === 2)));
  const d = await distribution(page);
  assert.match(d.title, new RegExp(`^Step 3 of ${steps.length}: `));
  assert.equal(d.context, `${[...prompt, ...steps.slice(0, 2).map((s) => s.token)].join('')} → ?`, 'the text the step continued');
  assert.equal(d.bars.find((b) => b.chosen).id, steps[2].id);
  // Keyboard: the steps are buttons; ← → Home End move between them.
  await page.focus(`${W} .tl-gpt-step[data-step="2"]`);
  await page.keyboard.press('ArrowRight');
  assert.equal((await shown(page)).picked, 3);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.step), '3', 'the focus follows');
  await page.keyboard.press('End');
  assert.equal((await shown(page)).picked, steps.length - 1);
  await page.keyboard.press('Home');
  assert.equal((await shown(page)).picked, 0);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  now = await shown(page);
  assert.equal(now.picked, 1, 'Enter on a focused step shows it');
  assert.equal((await distribution(page)).bars.find((b) => b.chosen).id, steps[1].id);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('beam search (width 4): the beam tree, its best path the continuation shown, and the n-best list, best first', async () => {
  const page = await open({ delay: '0' });
  assert.equal(await runAfter(page, () => page.check(`${W} input[type=radio][value="beam"]`)), 'ready');
  assert.equal(await page.getAttribute(W, 'data-mode'), 'beam');
  assert.equal(await page.inputValue(`${W} .tl-gpt-beam`), '4');
  const { steps, text } = await shown(page);
  const nodes = await page.$$eval(`${W} .tl-tree .tl-node`, (gs) =>
    gs.map((g) => ({ depth: Number(g.dataset.depth), id: Number(g.dataset.id), token: g.dataset.token, kind: g.classList[1], best: g.classList.contains('best') })),
  );
  assert.ok(nodes.length > steps.length, `${nodes.length} nodes`);
  const best = nodes.filter((n) => n.best).sort((a, b) => a.depth - b.depth);
  assert.deepEqual(best.map((n) => n.id), steps.map((s) => s.id), 'the bold path is the continuation shown');
  assert.deepEqual(best.map((n) => n.token), steps.map((s) => s.token));
  assert.ok(nodes.some((n) => n.kind === 'pruned'), 'pruned prefixes');
  assert.ok(nodes.some((n) => n.kind === 'finished'), 'finished hypotheses');
  // Every node is named as the model names its id (Rust's trace has ids only).
  const ids = [...new Set(nodes.map((n) => n.id))];
  const names = await page.evaluate(
    async ({ ids, key }) => {
      const { sharedClient } = await import('./lib/client.js');
      const { shownToken } = await import('./widgets/gpt-generate.js');
      const out = {};
      for (let i = 0; i < ids.length; i += 32) {
        const got = await sharedClient().attentionsIds(key, ids.slice(i, i + 32));
        got.ids.forEach((id, j) => (out[id] = shownToken(got.tokens[j])));
      }
      return out;
    },
    { ids, key: GPT },
  );
  for (const n of nodes) assert.equal(n.token, names[n.id], `node ${n.id}`);
  // The n-best list: best first, the first the continuation shown.
  const rows = await page.$$eval(`${W} .tl-nbest tbody tr`, (trs) =>
    trs.map((tr) => ({ text: tr.children[1].textContent, score: Number(tr.children[2].textContent), logp: Number(tr.children[3].textContent) })),
  );
  assert.ok(rows.length >= 1 && rows.length <= 4, `${rows.length} rows`);
  assert.equal(PROMPT + rows[0].text, text);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score >= rows[i].score, 'sorted by score');
  for (const r of rows) assert.ok(r.logp < 0 && Number.isFinite(r.score));
  // Each step of the best hypothesis has the model's distribution there, its token marked.
  await page.click(`${W} .tl-gpt-step[data-step="1"]`);
  const d = await distribution(page);
  assertDistribution(d.bars, 'beam step 2');
  assert.equal(d.bars.find((b) => b.chosen).id, steps[1].id);
  // Back to greedy: no tree, no list.
  assert.equal(await runAfter(page, () => page.check(`${W} input[type=radio][value="greedy"]`)), 'ready');
  assert.equal(await page.$$eval(`${W} :is(.tl-tree, .tl-nbest)`, (e) => e.length), 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('sampling: the same seed gives the same text, other seeds other texts', async () => {
  const page = await open({ delay: '0', mode: 'sample', seed: '7' });
  assert.equal(await page.getAttribute(W, 'data-mode'), 'sample');
  assert.ok(await page.isVisible(`${W} .tl-gpt-temperature`));
  assert.ok(!(await page.isVisible(`${W} .tl-gpt-beam`)), 'only the fields of the chosen decoding');
  const seven = (await shown(page)).text;
  assert.equal(await runAfter(page, () => page.click(`${W} .tl-gpt-go`)), 'ready');
  assert.equal((await shown(page)).text, seven, 'seed 7 again: the same text');
  const others = [];
  for (const seed of [8, 9, 10, 11, 12]) {
    assert.equal(await setField(page, 'seed', seed), 'ready');
    others.push((await shown(page)).text);
  }
  assert.ok(others.some((t) => t !== seven), `seeds 8–12 all wrote “${seven}”`);
  assert.equal(await setField(page, 'seed', 7), 'ready');
  assert.equal((await shown(page)).text, seven, 'back to seed 7: the same text');
  // "Sample again" takes the next seed.
  assert.equal(await runAfter(page, () => page.click(`${W} .tl-gpt-reseed`)), 'ready');
  assert.equal(await page.inputValue(`${W} .tl-gpt-seed`), '8');
  assert.equal((await shown(page)).text, others[0]);
  // A sampled step marks the token drawn, among the most probable or not.
  const { steps } = await shown(page);
  for (const [i, s] of steps.entries()) {
    await page.click(`${W} .tl-gpt-step[data-step="${i}"]`);
    const d = await distribution(page);
    assertDistribution(d.bars, `sampled step ${i + 1}`);
    assert.equal(d.bars.find((b) => b.chosen).id, s.id);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a bad option or a prompt the model cannot continue is an error in words, and the widget works after it', async () => {
  const page = await open({ delay: '0', mode: 'sample' });
  const error = () => page.textContent(`${W} .tl-error`);
  const works = async () => {
    assert.equal(await page.isHidden(`${W} .tl-error`), true);
    assert.ok((await shown(page)).steps.length > 0);
    assert.equal(await page.isEnabled(`${W} .tl-gpt-go`), true, 'never left busy');
  };
  assert.equal(await setField(page, 'temperature', 0), 'error');
  assert.match(await error(), /^the temperature must be above 0 \(1 = the model's own distribution\), not 0$/);
  assert.equal(await page.$$eval(`${W} .tl-gpt-step`, (b) => b.length), 0, 'the old answer is cleared');
  assert.equal(await page.isEnabled(`${W} .tl-gpt-go`), true);
  assert.equal(await setField(page, 'temperature', 0.8), 'ready');
  await works();
  assert.equal(await setField(page, 'top-k', 2.5), 'error');
  assert.match(await error(), /^top-k \(0 = all\) must be a whole number \(it is “2\.5”\)\.$/);
  assert.equal(await setField(page, 'top-k', 5), 'ready');
  await works();
  // A prompt longer than the model reads: Rust says so.
  assert.equal(await runAfter(page, () => page.check(`${W} input[type=radio][value="greedy"]`)), 'ready');
  const long = '床前明月光，疑是地上霜。'.repeat(20);
  assert.equal(await runAfter(page, async () => {
    await page.fill(`${W} .tl-input-text`, long);
    await page.click(`${W} .tl-gpt-go`);
  }), 'error');
  assert.match(await error(), /^the prompt is \d+ tokens; this model reads at most \d+ tokens in all, so it has no room to continue$/);
  // The language switch keeps the error and brings no old answer back.
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.equal(await page.textContent(`${W} .tl-gpt-go`), '生成');
  assert.equal(await page.$$eval(`${W} .tl-gpt-step`, (b) => b.length), 0);
  assert.match(await error(), /no room to continue/);
  assert.equal(await runAfter(page, async () => {
    await page.fill(`${W} .tl-input-text`, PROMPT);
    await page.press(`${W} .tl-input-text`, 'Enter');
  }), 'ready');
  await works();
  // A beam out of range.
  assert.equal(await runAfter(page, () => page.check(`${W} input[type=radio][value="beam"]`)), 'ready');
  assert.equal(await setField(page, 'beam', 40), 'error');
  assert.match(await error(), /^the beam width must be between 1 and 16, not 40$/);
  assert.equal(await setField(page, 'beam', 3), 'ready');
  await works();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the model box loads a GPT by URL prefix or from files, and refuses incomplete files in words', async () => {
  const page = await open({ delay: '0' });
  await page.click(`${W} .tl-picker summary`);
  assert.deepEqual(await page.$$eval(`${W} .tl-suggestion`, (b) => b.map((x) => x.dataset.model)), ['openai-community/gpt2', 'distilbert/distilgpt2', 'uer/gpt2-chinese-poem']);
  // The built-in model's folder, as any URL prefix: fetched and built again under its URL.
  await page.fill(`${W} .tl-input-url`, new URL('models/gpt-poetry', browser.url).href);
  assert.equal(await runAfter(page, () => page.click(`${W} button:has-text("Load from URL")`)), 'ready');
  assert.match(await page.textContent(`${W} .tl-picker summary`), /\/models\/gpt-poetry loaded · \d+ layers/);
  assert.ok((await shown(page)).steps.length > 0);
  // Files without a tokenizer or weights, or vocab.json without its merges.txt: named in
  // words; the model before keeps answering.
  const file = (name, from = name) => ({ name, mimeType: 'application/octet-stream', buffer: fs.readFileSync(path.join(repo, 'models/gpt-poetry', from)) });
  const choose = (names) => page.setInputFiles(`${W} input[type=file]`, names.map((n) => (Array.isArray(n) ? file(...n) : file(n))));
  await choose(['config.json']);
  assert.match(await page.textContent(`${W} .tl-error`), /^Missing tokenizer\.json or vocab\.json or vocab\.txt and model\.safetensors or pytorch_model\.bin — /);
  await choose(['config.json', ['vocab.json', 'tokenizer.json'], 'model.safetensors']);
  assert.match(await page.textContent(`${W} .tl-error`), /^Missing merges\.txt — /);
  assert.match(await page.textContent(`${W} .tl-picker summary`), /gpt-poetry loaded · \d+ layers/);
  // The built-in model's files, chosen: they load as local files.
  assert.equal(await runAfter(page, () => choose(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'])), 'ready');
  assert.match(await page.textContent(`${W} .tl-picker summary`), /^Model: local files loaded · \d+ layers/);
  assert.equal(await page.isHidden(`${W} .tl-error`), true);
  assert.equal(await runAfter(page, () => page.click(`${W} button:has-text("Back to the built-in model")`)), 'ready');
  assert.match(await page.textContent(`${W} .tl-picker summary`), /^Model: built in: /);
  assert.equal(await page.isHidden(`${W} .tl-error`), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

// tools/make_gpt2_fixtures.py writes these (small random GPT-2s in the hub's three layouts);
// until it has, there is nothing to load.
const HUB = ['gpt2-bpe', 'gpt2-merges-bin', 'gpt2-bert-vocab'].filter((d) => fs.existsSync(path.join(repo, 'fixtures', d, 'config.json')));

test('GPT-2s in the hub layouts load by URL prefix and generate (fixtures/gpt2-*)', { skip: HUB.length === 0 && 'fixtures/gpt2-* are not made yet (tools/make_gpt2_fixtures.py)' }, async () => {
  const page = await browser.newPage();
  await page.goto(at('bench.html', {}));
  for (const name of HUB) {
    const got = await page.evaluate(async (name) => {
      const { sharedClient } = await import('./lib/client.js');
      const c = sharedClient();
      const key = `hub-${name}`;
      const info = await c.loadGpt(key, { url: new URL(`hub/test-org/${name}/resolve/main`, location.href).href });
      const out = await c.generate(key, 'the', { maxNewTokens: 5 });
      return { info, steps: out.steps.length, top: out.steps.map((s) => s.top[0].id === s.id) };
    }, name);
    assert.ok(got.info.layers > 0 && got.steps > 0, name);
    assert.ok(got.top.every(Boolean), `${name}: greedy takes top[0]`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("masked self-attention draws the GPT's own weights: 0 above the diagonal, rows summing to 1, every layer and head", async () => {
  const text = '床前明月光，疑是地上霜。';
  const sel = 'masked-self-attention';
  const page = await browser.newPage();
  await page.goto(at('embed.html', { widget: sel, lang: 'en', text }));
  assert.equal(await outcome(page, sel), 'ready', await page.textContent(`${sel} .tl-error`));
  assert.equal(await page.getAttribute(sel, 'data-mode'), 'gpt');
  assert.match(await page.textContent(`${sel} .tl-model-used`), /^Model: built in: .+ · \d+ layers · hidden \d+ · [\d.]+ M parameters$/);
  // The weights, from the model: the same op the widget asks.
  const att = await page.evaluate(
    async ({ key, text }) => (await import('./lib/client.js')).sharedClient().attentions(key, text),
    { key: GPT, text },
  );
  const n = att.tokens.length;
  assert.ok(n > [...text].length - 1);
  for (const [l, heads] of att.layers.entries()) {
    for (const [hd, rows] of heads.entries()) {
      assert.equal(rows.length, n);
      for (const [q, row] of rows.entries()) {
        for (let k = q + 1; k < n; k++) assert.equal(row[k], 0, `layer ${l + 1} head ${hd + 1}: [${q}][${k}] is exactly 0`);
        const sum = row.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${l + 1} head ${hd + 1}: row ${q} sums to ${sum}`);
      }
    }
  }
  // The heatmap draws those numbers, for every layer and head and their mean.
  const drawn = async (layer, head) => {
    await page.selectOption(`${sel} .tl-select-layer`, String(layer));
    await page.selectOption(`${sel} .tl-select-head`, String(head));
    await page.waitForFunction(({ sel, layer, head }) => {
      const w = document.querySelector(sel);
      return w.dataset.layer === String(layer) && w.dataset.head === String(head);
    }, { sel, layer, head });
    return heatRows(page, sel);
  };
  for (let l = 0; l < att.layers.length; l++) {
    for (let hd = 0; hd < att.layers[l].length; hd++) {
      const rows = await drawn(l + 1, hd + 1);
      assert.equal(rows.length, n);
      rows.forEach((row, q) => row.forEach((c) => assert.equal(c.v, att.layers[l][hd][q][c.k], `layer ${l + 1} head ${hd + 1}: cell ${q},${c.k}`)));
    }
    const mean = await drawn(l + 1, 'avg');
    mean.forEach((row, q) =>
      row.forEach((c) => {
        const want = att.layers[l].reduce((a, heads) => a + heads[q][c.k], 0) / att.layers[l].length;
        assert.ok(Math.abs(c.v - want) < 1e-9, `layer ${l + 1} mean: cell ${q},${c.k}`);
        if (c.k > q) assert.equal(c.v, 0);
      }),
    );
  }
  // Stepping back: the positions not reached yet are not drawn.
  await page.click(`${sel} .tl-prev`);
  const back = await heatRows(page, sel);
  assert.ok(back.at(-1).every((c) => c.v === null), 'the last row waits');
  assert.ok(back.at(-2).every((c) => c.v !== null));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the lecture page: the decoder section shows the GPT’s masked self-attention, and the GPT section, in English and 中文', async () => {
  const page = await browser.newPage();
  await page.goto(at('lecture.html', { lang: 'en' }));
  const sections = ['#decoder masked-self-attention', '#gpt gpt-generate'];
  for (const s of sections) await reveal(page, s); // widgets load when near the viewport
  await page.waitForFunction((sels) => sels.every((s) => document.querySelector(s)?.dataset.state === 'ready'), sections, { timeout: 180_000 });
  assert.equal(await page.getAttribute(sections[0], 'data-mode'), 'gpt');
  assert.equal(await page.getAttribute(sections[1], 'text'), PROMPT);
  assert.ok(await page.isVisible('nav.toc a[href="#gpt"] .en'));
  const prose = (lang) => page.$$eval(`#gpt p.${lang}, #decoder p.${lang}`, (ps) => ps.map((p) => p.textContent).join('\n'));
  const en = await prose('en');
  for (const re of [/decoder-only/, /autoregressively/, /each token attends only to the tokens before it/, /greedy/, /beam search/, /sampling/, /temperature/, /right of the diagonal come out exactly 0/]) assert.match(en, re);
  assert.ok(await page.isVisible('#gpt h2 .en'));
  await page.waitForFunction(() => !('playing' in document.querySelector('#gpt gpt-generate').dataset), null, { timeout: 60_000 });
  assert.ok((await page.$$eval('#gpt .tl-gpt-step', (b) => b.length)) > 0);
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  assert.ok(await page.isVisible('#gpt h2 .zh'));
  assert.ok(!(await page.isVisible('#gpt p.en')));
  const zh = await prose('zh');
  for (const re of [/只有解码器/, /自回归/, /只关注它前面的词元/, /贪心解码/, /束搜索（Beam Search）/, /采样/, /温度/, /对角线右边的格子恰好是 0/]) assert.match(zh, re);
  assert.equal(await page.textContent('#gpt .tl-gpt-go'), '生成');
  assert.match(await page.textContent('#decoder masked-self-attention figcaption'), /^带掩码的自注意力（Masked Self-attention），第 \d+ 层/);
  assert.deepEqual(page.problems, []);
  await page.close();
});
