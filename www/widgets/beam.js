// What the views of beam search share: the beam tree (decoding-steps.js for translation,
// gpt-generate.js for a GPT) and the n-best list with its scores (seq2seq-translate.js,
// gpt-generate.js). Both take the decoder's trace as Rust returns it (ids only) and a
// function that names a token id.
import { h, fmt, rich, svg as svgEl } from './base.js';

/** @typedef {import('../lib/ops.js').TraceStep} TraceStep */

/**
 * The beam tree up to `upto` steps as SVG: nodes are prefixes (chosen, pruned, finished);
 * the best hypothesis's path is bold (class "best"). Each node carries data-depth, and
 * data-id and data-token: its last token's id and label.
 * @param {{trace: TraceStep[], best: number[], label: (id: number) => string}} beams the
 *   trace, the best hypothesis's ids and the name of a token id
 * @param {number} upto @param {string} name its accessible name
 */
export function beamTree({ trace, best, label }, upto, name) {
  const nodes = new Map(); // prefix key → {tokens, kind, depth}
  const add = (tokens, kind) => {
    const key = tokens.join(',');
    if (!nodes.has(key) || kind === 'finished') nodes.set(key, { tokens, kind, depth: tokens.length });
  };
  for (const s of trace.slice(0, upto)) {
    s.chosen.forEach((b) => add(b.tokens, 'chosen'));
    s.pruned.forEach((b) => add(b.tokens, 'pruned'));
    s.finished.forEach((f) => add(f.tokens, 'finished'));
  }
  const onBest = (t) => t.length <= best.length && t.every((x, i) => x === best[i]);
  const byDepth = [];
  for (const n of nodes.values()) (byDepth[n.depth] ??= []).push(n);
  const W = 92;
  const H = 22;
  const rows = Math.max(1, ...byDepth.filter(Boolean).map((d) => d.length));
  const el = svgEl;
  const svg = el('svg', {
    class: 'tl-tree',
    width: (byDepth.length + 1) * W,
    height: rows * H + 10,
    role: 'img',
    'aria-label': name,
  });
  const pos = new Map();
  pos.set('', { x: 6, y: (rows * H) / 2 });
  svg.append(el('circle', { cx: 6, cy: (rows * H) / 2, r: 4, class: 'tl-root' }));
  byDepth.forEach((list, depth) => {
    if (!list) return;
    list.sort((a, b) => (a.kind === 'pruned') - (b.kind === 'pruned'));
    list.forEach((n, i) => pos.set(n.tokens.join(','), { x: 14 + (depth - 1) * W, y: 14 + i * H }));
  });
  for (const n of nodes.values()) {
    const p = pos.get(n.tokens.join(','));
    const parent = pos.get(n.tokens.slice(0, -1).join(','));
    const bestNode = onBest(n.tokens) && n.kind !== 'pruned';
    const cls = `tl-node ${n.kind}${bestNode ? ' best' : ''}`;
    if (parent) svg.append(el('line', { x1: parent.x + (parent === pos.get('') ? 0 : W - 12), y1: parent.y - 4, x2: p.x, y2: p.y - 4, class: `tl-edge ${n.kind}${bestNode ? ' best' : ''}` }));
    const g = el('g', { class: cls, 'data-depth': n.depth, 'data-id': n.tokens.at(-1), 'data-token': label(n.tokens.at(-1)) });
    g.append(el('text', { x: p.x, y: p.y }, `${n.kind === 'finished' ? '◆ ' : ''}${label(n.tokens.at(-1))}`));
    g.append(el('title', {}, n.tokens.map(label).join(' ')));
    svg.append(g);
  }
  return svg;
}

/**
 * The n-best list, best first: rank, text, score (log P / length^α) and log P.
 * @param {import('./base.js').TlabWidget} widget (its language)
 * @param {{text: string, score: number, log_prob: number}[]} rows
 * @param {{heading: string, id?: string}} opts the text column's heading; the table's id
 */
export function nbestTable(widget, rows, { heading, id }) {
  return h(
    'table',
    { class: 'tl-table tl-nbest', id },
    h('caption', {}, rich(widget.t('nbest'), { alpha: h('sup', { text: 'α' }) })),
    h('thead', {}, h('tr', {}, ['#', heading, widget.t('score'), widget.t('logp')].map((x) => h('th', { text: x })))),
    h(
      'tbody',
      {},
      rows.map((c, i) => h('tr', {}, [String(i + 1), c.text, fmt(c.score, 4), fmt(c.log_prob, 4)].map((x) => h('td', { text: x })))),
    ),
  );
}
