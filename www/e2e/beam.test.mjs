// Greedy against beam search in <decoding-steps> (issue 13): the lecture's example is one where
// the two differ (tools/beam-examples.json, from tools/find-beam-examples.mjs); both totals are
// shown, equal to the worker's, with a sentence saying which is the more probable (English and
// 中文); at the last step the beam column lists the finished n-best, the winner first and
// marked; the beam tree (widgets/beam.js) draws each prefix once, with one label, and no two
// of its edges cross; at 375 px the tree scrolls in its own box and the page is no wider than
// the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, outcome, repo } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const W = 'decoding-steps';
const EXAMPLE = 'I would love to visit Japan someday.';

/** The lecture page in `lang` at `width` px, its decoding view scrolled to and answered. */
async function lecture(lang, width = 1100) {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.goto(new URL(`lecture.html?lang=${lang}`, browser.url).href);
  await page.locator(`#beam ${W}`).scrollIntoViewIfNeeded();
  assert.equal(await outcome(page, W), 'ready');
  return page;
}

/** <decoding-steps> alone (embed.html) with these attributes, answered. */
async function embed(params) {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: W, lang: 'en', beam: '4', ...params })}`, browser.url).href);
  assert.equal(await outcome(page, W), 'ready');
  return page;
}

/** The worker's greedy and beam-4 translations of `text` (the default en→pt model). */
function fromWorker(page, text) {
  return page.evaluate(async (text) => {
    const { sharedClient, DEFAULT_TRANSLATE } = await import('./lib/client.js');
    const { key } = DEFAULT_TRANSLATE['en-pt'];
    const client = sharedClient();
    return { greedy: await client.translate(key, text, { beam: 1 }), beam: await client.translate(key, text, { beam: 4 }) };
  }, text);
}

/** The totals shown: each as its text says (−1.85 → -1.85) and the decimals it has, and the
 * verdict under them. */
async function totals(page) {
  return page.$eval(W, (w) => {
    const read = (cls) => {
      const text = w.querySelector(`.${cls} .tl-total-num`).textContent;
      const num = text.match(/(−?\d+\.\d+)$/)[1];
      return { text, shown: num, value: Number(num.replace('−', '-')), decimals: num.split('.')[1].length };
    };
    return {
      greedy: read('tl-total-greedy'),
      beam: read('tl-total-beam'),
      verdict: w.querySelector('.tl-verdict').textContent,
      winner: w.querySelector('.tl-beam-compare').dataset.winner,
      translations: [w.querySelector('.tl-col-greedy .tl-translation').textContent, w.querySelector('.tl-beam-translation').textContent],
    };
  });
}

const lastStep = async (page) => {
  while (await page.isEnabled(`${W} .tl-next`)) await page.click(`${W} .tl-next`);
};

test("the lecture's example is one where greedy and beam search differ, and the list it comes from says so", () => {
  const list = JSON.parse(fs.readFileSync(path.join(repo, 'tools/beam-examples.json'), 'utf8'));
  const row = list.examples.find((e) => e.text === EXAMPLE);
  assert.ok(row, 'the example is in tools/beam-examples.json');
  assert.notEqual(row.greedy, row.beam);
  assert.ok(row.beam_log_prob > row.greedy_log_prob);
  const html = fs.readFileSync(path.join(repo, 'www/lecture.html'), 'utf8');
  assert.match(html, new RegExp(`<decoding-steps text="${EXAMPLE.replace('.', '\\.')}" beam="4">`));
  // Both languages' prose names the list and the command that made it.
  const section = html.slice(html.indexOf('<section id="beam">'), html.indexOf('</section>', html.indexOf('<section id="beam">')));
  for (const lang of ['en', 'zh']) {
    const ps = [...section.matchAll(new RegExp(`<p class="${lang}">(.*?)</p>`, 'g'))].map((m) => m[1]);
    assert.ok(
      ps.some((p) => p.includes('<code>tools/beam-examples.json</code>') && p.includes('<code>node tools/find-beam-examples.mjs</code>') && p.includes('Eu adoraria visitar o Japão um dia.')),
      `${lang}: a paragraph names the list, its command and the example's beam translation`,
    );
  }
});

test("lecture: greedy and beam differ; both totals shown, equal to the worker's, beam's the more probable (English and 中文)", async () => {
  const page = await lecture('en');
  assert.equal(await page.getAttribute(`#beam ${W}`, 'text'), EXAMPLE);
  const t = await totals(page);
  const worker = await fromWorker(page, EXAMPLE);
  assert.deepEqual(t.translations, [worker.greedy.translation, worker.beam.translation]);
  assert.notEqual(t.translations[0], t.translations[1], 'greedy and beam search translate differently');
  assert.equal(t.translations[0], 'Eu gostaria de visitar o Japão um dia.');
  assert.equal(t.translations[1], 'Eu adoraria visitar o Japão um dia.');
  const [g, b] = [worker.greedy.nbest[0].log_prob, worker.beam.nbest[0].log_prob];
  for (const [shown, want] of [[t.greedy, g], [t.beam, b]]) {
    assert.ok(Math.abs(shown.value - want) <= 0.5 * 10 ** -shown.decimals + 1e-9, `shown ${shown.shown}, worker ${want}`);
    assert.equal(shown.shown, want.toFixed(shown.decimals).replace('-', '−'));
    assert.equal(shown.text, `total log P = ${shown.shown}`);
  }
  assert.ok(b >= g, `beam ${b} ≥ greedy ${g}`);
  assert.ok(t.beam.value >= t.greedy.value);
  assert.equal(t.verdict, `Beam search found a more probable translation: ${t.beam.shown} > ${t.greedy.shown}.`);
  assert.equal(t.verdict, 'Beam search found a more probable translation: −1.85 > −1.93.');
  assert.equal(t.winner, 'beam');
  // The exact totals ride along for scripts.
  const exact = await page.$eval(W, (w) => [...w.querySelectorAll('.tl-beam-total')].map((p) => Number(p.dataset.logp)));
  assert.ok(Math.abs(exact[0] - g) < 1e-4 && Math.abs(exact[1] - b) < 1e-4);
  // Side by side: one row, greedy's on the left.
  const boxes = await page.$$eval(`${W} .tl-beam-total`, (ps) => ps.map((p) => p.getBoundingClientRect().toJSON()));
  assert.equal(Math.round(boxes[0].top), Math.round(boxes[1].top));
  assert.ok(boxes[0].right <= boxes[1].left);

  await page.click('tlab-lang-switch button[data-lang="zh"]');
  const z = await totals(page);
  assert.equal(z.verdict, `束搜索（Beam Search）找到了概率更高的译文：${t.beam.shown} > ${t.greedy.shown}。`);
  assert.equal(z.greedy.text, `总 log P = ${t.greedy.shown}`);
  assert.equal(z.beam.text, `总 log P = ${t.beam.shown}`);
  assert.deepEqual(await page.$$eval(`${W} .tl-total-who`, (s) => s.map((x) => x.textContent)), ['贪心解码', '束搜索（Beam Search，宽度 4）']);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('where the two agree, or greedy is the more probable, the sentence says so (English and 中文)', async () => {
  const cases = [
    ['I would like a cup of coffee, please.', 'agree', (g) => `Here greedy and beam search agree: the same translation, log P ${g}.`, (g) => `这里贪心解码与束搜索（Beam Search）的结果一致：译文相同，log P ${g}。`],
    // tools/beam-examples.json: beam's longer translation wins on log P / length, not on log P.
    ['Do you know a good place to eat around here?', 'greedy', (g, b) => `Greedy's translation is the more probable one here: ${g} > ${b}. Beam search ranks finished hypotheses by log P / length^α, not by log P alone.`, (g, b) => `这里贪心解码的译文概率更高：${g} > ${b}。束搜索（Beam Search）按 log P / 长度^α 给已完成的假设排序，而不只看 log P。`],
  ];
  for (const [text, winner, en, zh] of cases) {
    const page = await embed({ text });
    const t = await totals(page);
    const worker = await fromWorker(page, text);
    assert.equal(t.winner, winner, text);
    assert.ok(Math.abs(t.greedy.value - worker.greedy.nbest[0].log_prob) <= 0.5 * 10 ** -t.greedy.decimals + 1e-9);
    assert.ok(Math.abs(t.beam.value - worker.beam.nbest[0].log_prob) <= 0.5 * 10 ** -t.beam.decimals + 1e-9);
    if (winner === 'agree') assert.equal(t.translations[0], t.translations[1]);
    else assert.ok(worker.greedy.nbest[0].log_prob > worker.beam.nbest[0].log_prob);
    assert.equal(t.verdict, en(t.greedy.shown, t.beam.shown));
    await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
    assert.equal((await totals(page)).verdict, zh(t.greedy.shown, t.beam.shown));
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('without a text attribute the view starts from the example where the two differ', async () => {
  const page = await embed({});
  assert.equal(await page.inputValue(`${W} .tl-input-text`), EXAMPLE);
  const t = await totals(page);
  assert.notEqual(t.translations[0], t.translations[1]);
  assert.equal(t.winner, 'beam');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('at the last step the beam column lists the finished n-best, best first, the winner (the translation shown) marked', async () => {
  const page = await lecture('en');
  const worker = await fromWorker(page, EXAMPLE);
  const rows = () =>
    page.$$eval(`${W} .tl-col-beam .tl-final-nbest tbody tr`, (trs) =>
      trs.map((tr) => ({
        text: tr.children[1].textContent,
        score: Number(tr.children[2].textContent),
        logp: Number(tr.children[3].textContent),
        winner: tr.classList.contains('tl-winner'),
        star: tr.querySelectorAll('.tl-winner-mark').length,
      })),
    );
  assert.deepEqual(await rows(), [], 'not before the last step');
  await lastStep(page);
  const shown = await rows();
  assert.deepEqual(shown.map((r) => r.text), worker.beam.nbest.map((c) => c.translation));
  assert.equal(shown.length, 4);
  shown.forEach((r, i) => {
    assert.ok(Math.abs(r.score - worker.beam.nbest[i].score) < 1e-4, `score ${i}`);
    assert.ok(Math.abs(r.logp - worker.beam.nbest[i].log_prob) < 1e-4, `log P ${i}`);
    if (i > 0) assert.ok(shown[i - 1].score >= r.score, 'best first');
  });
  assert.equal(shown[0].text, await page.textContent(`${W} .tl-beam-translation`));
  assert.deepEqual(shown.map((r) => [r.winner, r.star]), shown.map((_, i) => (i === 0 ? [true, 1] : [false, 0])));
  assert.equal(await page.textContent(`${W} .tl-final-note`), 'Search over: the finished hypotheses, best first (★ the winner: the translation above).');
  // Not the beams left running: no live beam with its candidates at the last step.
  assert.equal(await page.$$eval(`${W} .tl-col-beam .tl-beam`, (e) => e.length), 0);
  // In the tree the last depth holds finished hypotheses and dropped beams, none kept alive;
  // the bold path ends in the winner's finished node.
  const last = await page.$$eval(`${W} .tl-tree .tl-node`, (gs) => {
    const max = Math.max(...gs.map((g) => Number(g.dataset.depth)));
    return gs.filter((g) => Number(g.dataset.depth) === max).map((g) => ({ kind: g.classList[1], best: g.classList.contains('best') }));
  });
  assert.ok(last.every((n) => n.kind === 'finished' || n.kind === 'pruned'), JSON.stringify(last));
  assert.equal(last.filter((n) => n.kind === 'finished').length, 4);
  assert.deepEqual(last.filter((n) => n.best), [{ kind: 'finished', best: true }]);
  // One step back the beams are live again, each with its candidates.
  await page.click(`${W} .tl-prev`);
  assert.equal(await page.$$eval(`${W} .tl-col-beam .tl-beam`, (e) => e.length), 4);
  assert.equal(await page.$$eval(`${W} .tl-final-nbest`, (e) => e.length), 0);
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  await lastStep(page);
  assert.equal(await page.textContent(`${W} .tl-final-note`), '搜索结束：已完成的假设，按得分从高到低排列（★ 为胜出者：即上面的译文）。');
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** Whether segments a and b cross (touching at a shared end point does not count). */
function cross(a, b) {
  const o = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const [p1, p2, q1, q2] = [[a.x1, a.y1], [a.x2, a.y2], [b.x1, b.y1], [b.x2, b.y2]];
  const same = (u, v) => u[0] === v[0] && u[1] === v[1];
  if (same(p1, q1) || same(p1, q2) || same(p2, q1) || same(p2, q2)) return false;
  return o(p1, p2, q1) * o(p1, p2, q2) < 0 && o(q1, q2, p1) * o(q1, q2, p2) < 0;
}

/** The drawn tree: its edges and nodes, from the SVG. */
const drawnTree = (page, widget = W) =>
  page.$eval(`${widget} .tl-tree`, (svg) => ({
    edges: [...svg.querySelectorAll('line.tl-edge')].map((l) => Object.fromEntries(['x1', 'y1', 'x2', 'y2'].map((k) => [k, Number(l.getAttribute(k))]))),
    nodes: [...svg.querySelectorAll('g.tl-node')].map((g) => {
      const t = g.querySelector('text');
      return { depth: Number(g.dataset.depth), token: g.dataset.token, kind: g.classList[1], best: g.classList.contains('best'), text: t.textContent, x: Number(t.getAttribute('x')), y: Number(t.getAttribute('y')), title: g.querySelector('title').textContent };
    }),
  }));

function assertTree({ edges, nodes }, at) {
  assert.ok(nodes.length > 0, at);
  // Each prefix once (its title is the whole prefix), its label once.
  const titles = nodes.map((n) => n.title);
  assert.equal(new Set(titles).size, titles.length, `${at}: a prefix drawn twice`);
  for (const n of nodes) {
    assert.ok(n.token.length > 0, at);
    assert.equal(n.text, `${n.kind === 'finished' ? '◆ ' : ''}${n.token}`, `${at}: node ${n.title}`);
    assert.ok(n.title.endsWith(n.token), at);
  }
  // A label repeated at one depth belongs to different parents.
  const byLabel = new Map();
  for (const n of nodes) {
    const k = `${n.depth} ${n.token}`;
    const parent = n.title.slice(0, n.title.length - n.token.length);
    assert.ok(!byLabel.get(k)?.includes(parent), `${at}: label ${n.token} twice under one parent`);
    byLabel.set(k, [...(byLabel.get(k) ?? []), parent]);
  }
  // One edge into every node, ending at it; no two nodes in one place.
  assert.equal(edges.length, nodes.length, at);
  for (const n of nodes) assert.equal(edges.filter((e) => e.x2 === n.x && e.y2 === n.y - 4).length, 1, `${at}: edges into ${n.title}`);
  assert.equal(new Set(nodes.map((n) => `${n.x},${n.y}`)).size, nodes.length, `${at}: two nodes in one place`);
  // No crossing: between two depths, edges in their parents' order reach their children in
  // the same order; and no two segments intersect at all.
  const columns = new Map();
  for (const e of edges) columns.set(e.x2, [...(columns.get(e.x2) ?? []), e]);
  for (const col of columns.values()) {
    for (const a of col) for (const b of col) if (a.y1 < b.y1) assert.ok(a.y2 < b.y2, `${at}: edges from y ${a.y1} and ${b.y1} cross`);
  }
  for (let i = 0; i < edges.length; i++) for (let j = i + 1; j < edges.length; j++) assert.ok(!cross(edges[i], edges[j]), `${at}: edges ${JSON.stringify(edges[i])} and ${JSON.stringify(edges[j])} cross`);
  // The bold path: one node per depth, each the child of the one before.
  const best = nodes.filter((n) => n.best).sort((a, b) => a.depth - b.depth);
  best.forEach((n, i) => {
    assert.equal(n.depth, i + 1, at);
    if (i > 0) assert.ok(n.title.startsWith(`${best[i - 1].title} `), at);
  });
}

test('the beam tree: each prefix drawn once with one label, and no two edges cross, at every step', async () => {
  const page = await lecture('en');
  const n = Number((await page.textContent(`${W} .tl-step`)).match(/of (\d+)/)[1]);
  for (let step = 1; ; step++) {
    const tree = await drawnTree(page);
    assertTree(tree, `step ${step}`);
    assert.equal(Math.max(...tree.nodes.map((x) => x.depth)), step, 'one depth per step');
    if (!(await page.isEnabled(`${W} .tl-next`))) break;
    await page.click(`${W} .tl-next`);
  }
  assert.ok(n >= 8);
  const tree = await drawnTree(page);
  assert.ok(tree.nodes.some((x) => x.kind === 'pruned') && tree.nodes.some((x) => x.kind === 'finished'));
  // The bold path spells the beam translation's tokens, then the end of the sentence.
  const tokens = JSON.parse(await page.getAttribute(`${W} .tl-beam-translation`, 'data-tokens'));
  const best = tree.nodes.filter((x) => x.best).sort((a, b) => a.depth - b.depth).map((x) => x.token);
  assert.deepEqual(best.slice(0, tokens.length), tokens);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('at 375 px the lecture page is no wider than the screen; the beam tree scrolls inside its own box (English and 中文)', async () => {
  const page = await lecture('en', 375);
  for (const lang of ['en', 'zh']) {
    if (lang === 'zh') await page.click('tlab-lang-switch button[data-lang="zh"]');
    await lastStep(page);
    await page.locator(`${W} .tl-tree-box`).scrollIntoViewIfNeeded();
    const m = await page.evaluate((W) => {
      const box = document.querySelector(`${W} .tl-tree-box`);
      const r = box.getBoundingClientRect();
      const section = document.getElementById('beam').getBoundingClientRect();
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth,
        overflowX: getComputedStyle(box).overflowX,
        box: { left: r.left, right: r.right, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, scrollLeft: box.scrollLeft },
        svg: box.querySelector('svg').getBoundingClientRect().width,
        sectionShown: section.top < innerHeight && section.bottom > 0,
        widgetRight: document.querySelector(W).getBoundingClientRect().right,
        totals: [...document.querySelectorAll(`${W} .tl-beam-total`)].map((p) => Math.round(p.getBoundingClientRect().top)),
      };
    }, W);
    assert.ok(m.sectionShown, `${lang}: the beam section is on screen`);
    assert.ok(m.scrollWidth <= m.innerWidth, `${lang}: page ${m.scrollWidth} px wide at ${m.innerWidth}`);
    assert.equal(m.overflowX, 'auto');
    assert.ok(m.box.left >= 0 && m.box.right <= m.innerWidth && m.widgetRight <= m.innerWidth, JSON.stringify(m));
    assert.ok(m.svg > m.box.clientWidth && m.box.scrollWidth > m.box.clientWidth, `${lang}: the tree (${m.svg} px) scrolls in its box (${m.box.clientWidth} px)`);
    assert.ok(m.box.scrollLeft > 0, `${lang}: at the last step the box shows the end of the tree`);
    assert.equal(m.totals[0], m.totals[1], `${lang}: the totals side by side`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the GPT's beam tree (the same drawing): each prefix once, no two edges cross", async () => {
  const G = 'gpt-generate';
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${new URLSearchParams({ widget: G, lang: 'en', mode: 'beam', text: '床前明月光，', 'max-new-tokens': '16', delay: '0' })}`, browser.url).href);
  assert.equal(await outcome(page, G), 'ready');
  await page.waitForFunction((G) => !('playing' in document.querySelector(G).dataset) && document.querySelector(`${G} .tl-tree`), G);
  const tree = await drawnTree(page, G);
  assertTree(tree, 'gpt');
  assert.ok(tree.nodes.some((x) => x.kind === 'finished' || x.kind === 'pruned'));
  assert.deepEqual(page.problems, []);
  await page.close();
});
