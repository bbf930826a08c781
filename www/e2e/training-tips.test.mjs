// The lecture's training tips (issue 13) and the views behind them: <cross-attention copies>
// lists the output tokens that occur unchanged in the source with the source token each one's
// cross-attention weighs most; <cross-attention diagonal> measures per layer how diagonal the
// cross-attention is (the alignment guided attention enforces). Both are recomputed here from
// the worker's own cross-attention. The lecture shows them in English and 中文, with the
// encoder-block view in its encoder section.
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

const W = 'cross-attention';
const INVOICE = 'The invoice total is $1,249.99, including tax.';

async function embed(params) {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: W, layer: '2', ...params })}`, browser.url).href);
  assert.equal(await outcome(page, W), 'ready');
  return page;
}

/** The worker's cross-attention for `text` and the model's own translation of it. */
function fromWorker(page, text) {
  return page.evaluate(async (text) => {
    const { sharedClient, DEFAULT_TRANSLATE } = await import('./lib/client.js');
    const { key } = DEFAULT_TRANSLATE['en-pt'];
    const client = sharedClient();
    const { translation } = await client.translate(key, text, {});
    return client.teacherForceAttentions(key, text, translation);
  }, text);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Heads averaged: [source position]. */
const avg = (heads) => heads[0].map((_, j) => mean(heads.map((h) => h[j])));

/** The measure, computed here from its definition: positions at the middle of their slots on
 * 0…1; per layer, the mean over target positions of the head-averaged attention within `band`
 * of the diagonal, and of |expected source position − target position|. */
function recompute(f, band) {
  const T = f.target_tokens.length;
  const S = f.source_tokens.length;
  return f.cross_attentions[0].map((_, l) => {
    const rows = f.cross_attentions.map((layers) => avg(layers[l]));
    const x = (i) => (i + 0.5) / T;
    const y = (j) => (j + 0.5) / S;
    const near = (i, j) => Math.abs(x(i) - y(j)) <= band + 1e-12;
    return {
      mass: mean(rows.map((a, i) => a.reduce((s, v, j) => s + (near(i, j) ? v : 0), 0))),
      offset: mean(rows.map((a, i) => Math.abs(a.reduce((s, v, j) => s + v * y(j), 0) - x(i)))),
      uniform: mean(rows.map((_, i) => f.source_tokens.filter((_, j) => near(i, j)).length / S)),
      band: rows.map((a, i) => a.map((_, j) => near(i, j))),
    };
  });
}

function diagonalTable(page) {
  return page.$$eval(`${W} .tl-diag tr[data-layer]`, (trs) =>
    trs.map((tr) => ({ layer: Number(tr.dataset.layer), mass: Number(tr.dataset.mass), offset: Number(tr.dataset.offset), uniform: Number(tr.dataset.uniform), shown: [...tr.cells].map((c) => c.textContent.trim()) })),
  );
}

test('cross-attention diagonal: per layer, the share within the band and the distance from the diagonal, as recomputed from the worker’s attention', async () => {
  const text = 'Yesterday the old fisherman caught three big fish near the island.';
  const page = await embed({ text, diagonal: '', lang: 'en' });
  const f = await fromWorker(page, text);
  for (const band of [0.15, 0.3]) {
    if (band !== 0.15) {
      const n = await runs(page, W);
      await page.evaluate((b) => document.querySelector('cross-attention').setAttribute('diagonal', String(b)), band);
      await page.waitForFunction(({ w, n }) => Number(document.querySelector(w).dataset.runs) > n && document.querySelector(w).dataset.state === 'ready', { w: W, n });
    }
    assert.equal(Number(await page.getAttribute(`${W} .tl-diagonal`, 'data-band')), band);
    const want = recompute(f, band);
    const got = await diagonalTable(page);
    assert.equal(got.length, f.cross_attentions[0].length, 'one row per decoder layer');
    for (const [l, g] of got.entries()) {
      assert.equal(g.layer, l + 1);
      for (const k of ['mass', 'offset', 'uniform']) {
        assert.ok(g[k] >= 0 && g[k] <= 1, `layer ${g.layer} ${k} = ${g[k]}`);
        assert.ok(Math.abs(g[k] - want[l][k]) < 1e-9, `layer ${g.layer} ${k}: ${g[k]} vs ${want[l][k]}`);
      }
      assert.equal(g.shown[1], `${(100 * g.mass).toFixed(1)}%`);
      assert.equal(g.shown[2], g.offset.toFixed(3));
    }
    // The last layer is near-diagonal: far more within the band than even spreading would put there.
    const last = got.at(-1);
    assert.ok(last.mass > 0.7 && last.mass > last.uniform + 0.3, `last layer ${last.mass} vs uniform ${last.uniform}`);
    // The band's cells are outlined in the map (the layer drawn: 2).
    const outlined = await page.$$eval(`${W} .tl-cell`, (cs) => cs.map((c) => [Number(c.dataset.q), Number(c.dataset.k), c.classList.contains('tl-in-band')]));
    assert.ok(outlined.length === f.target_tokens.length * f.source_tokens.length);
    for (const [q, k, marked] of outlined) assert.equal(marked, want[1].band[q][k], `cell ${q},${k}`);
  }
  assert.match(await page.textContent(`${W} .tl-diag-uniform`), /spread evenly over the source would put \d+\.\d% within the band/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('cross-attention copies: the numbers carried through, and where their cross-attention points', async () => {
  const page = await embed({ text: INVOICE, copies: '', lang: 'en' });
  const f = await fromWorker(page, INVOICE);
  const rows = await page.$$eval(`${W} .tl-copies tr[data-i]`, (trs) => trs.map((tr) => ({ i: Number(tr.dataset.i), j: Number(tr.dataset.j), weight: Number(tr.dataset.weight), cells: [...tr.cells].map((c) => c.textContent) })));
  // Recomputed: output tokens with a letter or digit found among the source tokens, and the
  // argmax of layer 2's head average.
  const want = f.target_tokens
    .map((token, i) => ({ token, i }))
    .filter(({ token }) => /[\p{L}\p{N}]/u.test(token) && token !== '</s>' && f.source_tokens.includes(token))
    .map(({ token, i }) => {
      const a = avg(f.cross_attentions[i][1]);
      const j = a.indexOf(Math.max(...a));
      return { token, i, j, weight: a[j] };
    });
  assert.deepEqual(rows.map((r) => [r.i, r.j]), want.map((w) => [w.i, w.j]));
  for (const [k, r] of rows.entries()) {
    assert.ok(Math.abs(r.weight - want[k].weight) < 1e-9);
    assert.equal(r.cells[0], want[k].token);
    assert.equal(r.cells[1], `${f.source_tokens[r.j]} (${want[k].weight.toFixed(2)})`);
    assert.equal(r.cells[2], f.source_tokens[r.j] === want[k].token ? 'yes' : 'no');
  }
  // The price's pieces are copied, and each looks most at itself in the source.
  const copied = rows.map((r) => r.cells[0]);
  for (const piece of ['24', '9.9']) {
    assert.ok(copied.includes(piece), `${piece} copied: ${copied}`);
    assert.equal(rows.find((r) => r.cells[0] === piece).cells[2], 'yes');
  }
  const same = rows.filter((r) => r.cells[2] === 'yes').length;
  assert.equal(await page.textContent(`${W} .tl-copies-summary`), `${same} of ${rows.length} copied tokens look most at the same token in the source.`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the lecture: the encoder block in section 2, the training tips after teacher forcing, in English and 中文', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  const sels = ['#encoder encoder-block', '#tips cross-attention[copies]', '#tips cross-attention[diagonal]'];
  for (const sel of sels) assert.equal(await outcome(page, sel), 'ready', sel);
  assert.equal(await page.getAttribute('#encoder encoder-block', 'data-hidden'), '384');
  assert.equal(await page.$$eval('#encoder encoder-block .tl-eb-stage', (s) => s.length), 7);
  assert.match(await page.innerText('#block'), /^Inside an encoder block/);
  assert.deepEqual(await page.$$eval('#tips h3', (hs) => hs.map((h) => h.innerText)), ['Training tips: copying from the source', 'Training tips: guided attention']);
  const prose = await page.$$eval('#tips p.en', (ps) => ps.map((p) => p.textContent).join('\n'));
  assert.match(prose, /has no such mechanism/, 'honest: no pointer network in this model');
  assert.ok((await page.$$eval('#tips .tl-copies tr.same', (r) => r.length)) >= 3);
  assert.ok((await page.$$eval('#tips .tl-diag tr[data-layer]', (r) => r.length)) === 2);

  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.waitForFunction(() => /交叉注意力/.test(document.querySelector('#tips cross-attention[diagonal] .tl-diagonal')?.textContent));
  assert.equal(await page.innerText('#block'), '编码器块的内部：残差连接（Residual）与层归一化（Layer Norm）');
  assert.deepEqual(await page.$$eval('#tips h3', (hs) => hs.map((h) => h.innerText)), ['训练技巧：从源句复制', '训练技巧：引导注意力（Guided Attention）']);
  assert.match(await page.textContent('#encoder encoder-block .tl-eb-explain'), /残差（Residual）/);
  assert.match(await page.textContent('#tips .tl-copies caption'), /^照抄的词元：/);
  assert.match(await page.textContent('#tips .tl-copies-summary'), /个照抄的词元中，有 \d+ 个最关注源句中相同的词元。/);
  const shown = await page.$$eval('#block, #block ~ p.zh, #block ~ encoder-block, #tips', (els) => els.map((e) => e.innerText).join('\n'));
  assert.doesNotMatch(shown, /\p{Script=Han}[:;,]/u, 'full-width punctuation after Chinese');
  assert.deepEqual(page.problems, []);
  await page.close();
});
