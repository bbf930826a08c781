// <encoder-block>: one token's vector through one block of the built-in English BERT, checked
// against the worker's own answer (client.encoderBlock): every strip has one cell per hidden
// dimension holding the worker's numbers, the norm / mean / std shown are the worker's within
// display rounding, the two "+" stages are the sums they claim, the Layer Norm stages are Layer
// Norms (a per-dimension gain and bias on the standardised sum: mean ≈ 0, the spread across
// tokens reset), the words under the figure quote the right cosines; a token button (or the
// arrow keys) and the layer menu change what is drawn; 中文 with lang=zh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, outcome, runs } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const W = 'encoder-block';
const TEXT = 'The cat sat on the mat because it was warm.';
const STAGES = ['input', 'self_attention', 'attn_residual', 'attn_norm', 'feed_forward', 'ffn_residual', 'output'];

async function open(params) {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: W, text: TEXT, ...params })}`, browser.url).href);
  assert.equal(await outcome(page, W), 'ready');
  return page;
}

/** The worker's answer for `layer` (0-based), from the page's own client (the model is loaded). */
function fromWorker(page, layer) {
  return page.evaluate(
    async ({ text, layer }) => {
      const { sharedClient, DEFAULT_BERT } = await import('./lib/client.js');
      return sharedClient().encoderBlock(DEFAULT_BERT.key, text, layer);
    },
    { text: TEXT, layer },
  );
}

/** What the widget draws: per stage its data, the numbers shown and the strip's cells. */
function drawn(page) {
  return page.$eval(W, (w) => ({
    token: Number(w.dataset.token),
    layer: Number(w.dataset.layer),
    hidden: Number(w.dataset.hidden),
    caption: w.querySelector('figcaption').textContent,
    pressed: [...w.querySelectorAll('.tl-eb-token[aria-pressed="true"]')].map((b) => b.textContent),
    explain: { ...w.querySelector('.tl-eb-explain').dataset },
    explainText: w.querySelector('.tl-eb-explain').textContent,
    stages: [...w.querySelectorAll('.tl-eb-stage')].map((s) => ({
      name: s.dataset.stage,
      label: s.querySelector('.tl-eb-name').textContent,
      norm: Number(s.dataset.norm),
      mean: Number(s.dataset.mean),
      std: Number(s.dataset.std),
      shown: {
        norm: s.querySelector('.tl-eb-norm').textContent,
        mean: s.querySelector('.tl-eb-mean').textContent,
        std: s.querySelector('.tl-eb-std').textContent,
      },
      cells: [...s.querySelectorAll('.tl-eb-cell')].map((c) => Number(c.dataset.v)),
    })),
    skips: [...w.querySelectorAll('.tl-eb-skip.start, .tl-eb-skip.end')].map((s) => [s.closest('li').dataset.stage, s.classList.contains('start') ? 'start' : 'end']),
  }));
}

const num = (text) => Number(text.match(/-?\d+\.\d+/)[0]);
const cos = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);

/** The drawing for token `t` is the worker's answer `r` for it. */
function assertDrawn(d, r, t) {
  assert.equal(d.token, t);
  assert.equal(d.layer, r.layer + 1);
  assert.equal(d.hidden, r.hidden);
  assert.deepEqual(d.pressed, [r.tokens[t]]);
  assert.match(d.caption, new RegExp(`“${r.tokens[t].replace(/[.[\]]/g, '\\$&')}”.* ${r.layer + 1} .*${r.layers}`));
  assert.deepEqual(d.stages.map((s) => s.name), STAGES);
  for (const [k, s] of d.stages.entries()) {
    const w = r.stages[k];
    assert.equal(w.name, s.name);
    assert.equal(s.cells.length, r.hidden, `${s.name}: one cell per hidden dimension`);
    assert.deepEqual(s.cells, w.vectors[t], `${s.name}: the strip holds the worker's vector`);
    assert.equal(s.norm, w.norms[t]);
    assert.ok(Math.abs(num(s.shown.norm) - w.norms[t]) <= 0.005 + 1e-9, `${s.name}: norm shown ${s.shown.norm}, worker ${w.norms[t]}`);
    assert.ok(Math.abs(num(s.shown.mean) - w.means[t]) <= 0.0005 + 1e-9, `${s.name}: mean shown ${s.shown.mean}, worker ${w.means[t]}`);
    assert.ok(Math.abs(num(s.shown.std) - w.stds[t]) <= 0.0005 + 1e-9, `${s.name}: std shown ${s.shown.std}, worker ${w.stds[t]}`);
  }
  const v = Object.fromEntries(r.stages.map((s) => [s.name, s.vectors[t]]));
  assert.ok(Math.abs(Number(d.explain.cosInput) - cos(v.attn_residual, v.input)) < 1e-9);
  assert.ok(Math.abs(Number(d.explain.cosAttention) - cos(v.attn_residual, v.self_attention)) < 1e-9);
  assert.ok(Math.abs(Number(d.explain.cosSkip2) - cos(v.ffn_residual, v.attn_norm)) < 1e-9);
  assert.ok(Math.abs(Number(d.explain.cosFfn) - cos(v.ffn_residual, v.feed_forward)) < 1e-9);
  assert.ok(d.explainText.includes(Number(d.explain.cosInput).toFixed(2)), 'the words quote the cosine with the input');
}

/** What the model's stages are: the sums are sums, the Layer Norms are Layer Norms. */
function assertBlock(r) {
  const S = Object.fromEntries(r.stages.map((s) => [s.name, s]));
  const n = r.tokens.length;
  assert.deepEqual(r.stages.map((s) => s.name), STAGES);
  for (const s of r.stages) {
    assert.equal(s.vectors.length, n);
    for (const x of s.vectors) assert.equal(x.length, r.hidden);
  }
  for (const [sum, [a, b]] of [['attn_residual', ['input', 'self_attention']], ['ffn_residual', ['attn_norm', 'feed_forward']]]) {
    let worst = 0;
    for (let t = 0; t < n; t++) for (let i = 0; i < r.hidden; i++) worst = Math.max(worst, Math.abs(S[sum].vectors[t][i] - S[a].vectors[t][i] - S[b].vectors[t][i]));
    assert.ok(worst <= 1e-5, `${sum} = ${a} + ${b}: off by ${worst}`);
  }
  // Every stage's statistics are those of its vectors (mean, and the std of Layer Norm's kind: over the
  // dimensions, population variance).
  for (const s of r.stages) {
    for (let t = 0; t < n; t++) {
      const x = s.vectors[t];
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
      assert.ok(Math.abs(s.means[t] - mean) < 1e-4, `${s.name} ${t}: mean`);
      assert.ok(Math.abs(s.stds[t] - std) < 1e-3 * Math.max(1, std), `${s.name} ${t}: std ${s.stds[t]} vs ${std}`);
      assert.ok(Math.abs(s.norms[t] - Math.hypot(...x)) < 1e-3 * Math.max(1, s.norms[t]), `${s.name} ${t}: norm`);
    }
  }
  for (const [norm, before] of [['attn_norm', 'attn_residual'], ['output', 'ffn_residual']]) {
    // A Layer Norm: per dimension, gain · (the standardised sum) + bias, the same gain and bias
    // for every token; fitted over the tokens, it leaves almost nothing over.
    const z = S[before].vectors.map((x, t) => x.map((v) => (v - S[before].means[t]) / S[before].stds[t]));
    let worst = 0;
    for (let i = 0; i < r.hidden; i++) {
      const zs = z.map((row) => row[i]);
      const ys = S[norm].vectors.map((row) => row[i]);
      const mz = zs.reduce((a, b) => a + b, 0) / n;
      const my = ys.reduce((a, b) => a + b, 0) / n;
      const gain = zs.reduce((a, v, t) => a + (v - mz) * (ys[t] - my), 0) / zs.reduce((a, v) => a + (v - mz) ** 2, 0);
      const bias = my - gain * mz;
      for (let t = 0; t < n; t++) worst = Math.max(worst, Math.abs(ys[t] - (gain * zs[t] + bias)));
    }
    assert.ok(worst < 2e-3, `${norm} is gain · standardise(${before}) + bias per dimension: off by ${worst}`);
    // What that does to the numbers shown: means near 0, and a spread across the tokens far
    // narrower than before (the model's Layer Norm gains make the std about 0.6, not 1).
    for (let t = 0; t < n; t++) assert.ok(Math.abs(S[norm].means[t]) < 0.15, `${norm} ${r.tokens[t]}: mean ${S[norm].means[t]}`);
    const spread = (xs) => Math.max(...xs) / Math.min(...xs);
    for (const s of S[norm].stds) assert.ok(s > 0.1 && s < 2.5, `${norm}: std ${s}`);
    if (norm === 'output') assert.ok(spread(S.output.stds) < spread(S.ffn_residual.stds), `std spread ${spread(S.output.stds)} after, ${spread(S.ffn_residual.stds)} before`);
  }
}

test('encoder block: the strips and numbers are the worker’s; the sums are sums, the Layer Norms Layer Norms; the skips drawn', async () => {
  const page = await open({ lang: 'en', layer: '2', token: '2' });
  const r = await fromWorker(page, 1);
  assert.equal(r.layers, 6);
  assert.equal(r.hidden, 384);
  assert.equal(r.tokens[2], 'cat');
  assertBlock(r);
  const d = await drawn(page);
  assertDrawn(d, r, 2);
  assert.deepEqual(d.skips, [['input', 'start'], ['attn_residual', 'end'], ['attn_norm', 'start'], ['ffn_residual', 'end']], 'the two residual skips');
  // For this token the first + is mostly its input, as the words say.
  assert.ok(Number(d.explain.cosInput) > 0.8 && Number(d.explain.cosInput) > Number(d.explain.cosAttention));
  assert.match(d.explainText, /Residual: after the first \+.*mostly the input/);
  assert.match(d.explainText, /Layer Norm: .*mean near 0/);
  assert.deepEqual(d.stages.map((s) => s.label), [
    'Input: the output of block 1', 'Self-attention: what it adds', '+ Residual: input + Self-attention', 'Layer Norm',
    'Feed-forward: what it adds', '+ Residual: Layer Norm’s output + Feed-forward', 'Layer Norm: the block’s output',
  ]);
  assert.match(await page.textContent(`${W} .tl-model-used`), /built in: tlab English MiniLM/);
  // The legend's scale is the one the widget colours by.
  const scale = Number(await page.getAttribute(W, 'data-scale'));
  assert.ok(scale > 0 && (await page.textContent(`${W} .tl-eb-legend`)).includes(`+${scale.toFixed(2)}`));
  // Every token's std at every stage, in the table.
  const table = await page.$$eval(`${W} .tl-eb-table tr[data-t]`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td[data-std]')].map((td) => Number(td.dataset.std))));
  assert.deepEqual(table, r.tokens.map((_, t) => r.stages.map((s) => s.stds[t])));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('encoder block: a token button, the arrow keys and the layer menu change what is drawn', async () => {
  const page = await open({ lang: 'en', layer: '1', token: '2' });
  let r = await fromWorker(page, 0);
  assertDrawn(await drawn(page), r, 2);
  assert.equal((await drawn(page)).stages[0].label, 'Input: the token’s embedding');
  // A click on "mat" (token 6): the strips are now its vectors, no new request.
  const n = await runs(page, W);
  await page.click(`${W} .tl-eb-token[data-t="6"]`);
  assertDrawn(await drawn(page), r, 6);
  assert.equal(await runs(page, W), n, 'a token change redraws without asking the model again');
  // The keyboard: one Tab stop among the tokens, arrows move it and follow.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.t), '6');
  await page.keyboard.press('ArrowRight');
  assertDrawn(await drawn(page), r, 7);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.t), '7', 'the focus follows');
  await page.keyboard.press('Home');
  assertDrawn(await drawn(page), r, 0);
  assert.equal(await page.$$eval(`${W} .tl-eb-token[tabindex="0"]`, (b) => b.length), 1);
  // Layer 4 from the menu: a new answer, drawn for the same token.
  const before = await runs(page, W);
  await page.selectOption(`${W} .tl-select-layer`, '4');
  await page.waitForFunction(({ w, n }) => Number(document.querySelector(w).dataset.runs) > n && document.querySelector(w).dataset.state === 'ready', { w: W, n: before });
  r = await fromWorker(page, 3);
  assertBlock(r);
  const d = await drawn(page);
  assertDrawn(d, r, 0);
  assert.equal(d.stages[0].label, 'Input: the output of block 3');
  assert.equal(await page.getAttribute(W, 'layer'), '4');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('encoder block in 中文 (lang=zh): the stages, the numbers’ names and the words', async () => {
  const page = await open({ lang: 'zh', layer: '2', token: '3' });
  const r = await fromWorker(page, 1);
  const d = await drawn(page);
  assertDrawn(d, r, 3);
  assert.deepEqual(d.stages.map((s) => s.label), [
    '输入：第 1 个块的输出', '自注意力（Self-attention）：它加上的部分', '+ 残差（Residual）：输入 + 自注意力', '层归一化（Layer Norm）',
    '前馈层（Feed-forward）：它加上的部分', '+ 残差（Residual）：层归一化的输出 + 前馈层', '层归一化（Layer Norm）：这个块的输出',
  ]);
  assert.match(d.stages[0].shown.mean, /^均值 /);
  assert.match(d.stages[0].shown.std, /^标准差 /);
  assert.match(d.caption, /“sat”的向量逐步经过第 2 个编码器块（共 6 个）/);
  assert.match(d.explainText, /残差（Residual）：第一个 \+ 之后的向量/);
  assert.match(d.explainText, /层归一化（Layer Norm）：对每个词元/);
  assert.match(await page.textContent(`${W} .tl-model-used`), /^模型：内置：/);
  assert.doesNotMatch(d.explainText, /[A-Za-z]{4,} [a-z]{4,} [a-z]{4,}/, 'no English sentence left in the 中文 words');
  assert.deepEqual(page.problems, []);
  await page.close();
});
