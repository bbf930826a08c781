// What the views of beam search share: the beam tree (decoding-steps.js for translation,
// gpt-generate.js for a GPT) and the n-best list with its scores (seq2seq-translate.js,
// gpt-generate.js). Both take the decoder's trace as Rust returns it (ids only) and a
// function that names a token id.
import { h, fmt, rich, svg as svgEl } from './base.js';

/** @typedef {import('../lib/ops.js').TraceStep} TraceStep */

/**
 * The beam tree up to `upto` steps as SVG: nodes are prefixes (chosen, pruned, finished),
 * one node per prefix; the best hypothesis's path is bold (class "best"). Each node carries
 * data-depth, and data-id and data-token: its last token's id and label (drawn once; ◆
 * before it for a finished one). At each depth the nodes are in their parents' order (so no
 * two edges cross), under one parent the kept and finished ones first, then the most
 * probable. With the whole trace (upto ≥ its length) the search is over: the beams its last
 * step kept are never extended (every slot holds a finished hypothesis they cannot beat, or
 * the length limit came), so they are drawn as pruned, not as live beams.
 * @param {{trace: TraceStep[], best: number[], label: (id: number) => string}} beams the
 *   trace, the best hypothesis's ids and the name of a token id
 * @param {number} upto @param {string} name its accessible name
 */
export function beamTree({ trace, best, label }, upto, name) {
  const steps = trace.slice(0, upto);
  const over = upto >= trace.length;
  const rank = { pruned: 0, chosen: 1, finished: 2 };
  const nodes = new Map(); // prefix key → {key, tokens, kind, depth, logp}
  const add = ({ tokens, log_prob }, kind) => {
    const key = tokens.join(',');
    const had = nodes.get(key);
    if (!had || rank[kind] > rank[had.kind]) nodes.set(key, { key, tokens, kind, depth: tokens.length, logp: log_prob });
  };
  steps.forEach((s, i) => {
    const dropped = over && i === steps.length - 1;
    s.chosen.forEach((b) => add(b, dropped ? 'pruned' : 'chosen'));
    s.pruned.forEach((b) => add(b, 'pruned'));
    s.finished.forEach((f) => add(f, 'finished'));
  });
  const onBest = (t) => t.length <= best.length && t.every((x, i) => x === best[i]);
  const byDepth = [];
  for (const n of nodes.values()) (byDepth[n.depth] ??= []).push(n);
  // A column as wide as its longest label needs (at 11 px monospace, about 6.7 px a
  // character, twice that for a CJK one), within 48…92 px: a long tree fits more of itself.
  const cols = (t) => [...t].reduce((a, c) => a + (c.codePointAt(0) >= 0x2e80 ? 2 : 1), 0);
  const longest = Math.max(1, ...[...nodes.values()].map((n) => cols(label(n.tokens.at(-1))) + (n.kind === 'finished' ? 2 : 0)));
  const W = Math.min(92, Math.max(48, Math.ceil(longest * 6.7) + 22));
  const H = 22;
  const rows = Math.max(1, ...byDepth.filter(Boolean).map((d) => d.length));
  const el = svgEl;
  const svg = el('svg', {
    class: 'tl-tree',
    width: 14 + Math.max(1, byDepth.length - 1) * W + 8,
    height: rows * H + 10,
    role: 'img',
    'aria-label': name,
  });
  const parentKey = (n) => n.tokens.slice(0, -1).join(',');
  const pos = new Map();
  pos.set('', { x: 6, y: (rows * H) / 2 });
  svg.append(el('circle', { cx: 6, cy: (rows * H) / 2, r: 4, class: 'tl-root' }));
  byDepth.forEach((list, depth) => {
    if (!list) return;
    const parentY = (n) => pos.get(parentKey(n))?.y ?? 0;
    list.sort((a, b) => parentY(a) - parentY(b) || (a.kind === 'pruned') - (b.kind === 'pruned') || b.logp - a.logp);
    // A column shorter than the tallest is centred on it.
    const top = 14 + ((rows - list.length) * H) / 2;
    list.forEach((n, i) => pos.set(n.key, { x: 14 + (depth - 1) * W, y: top + i * H }));
  });
  for (const list of byDepth) {
    for (const n of list ?? []) {
      const p = pos.get(n.key);
      const parent = pos.get(parentKey(n));
      const bestNode = onBest(n.tokens) && n.kind !== 'pruned';
      const cls = `tl-node ${n.kind}${bestNode ? ' best' : ''}`;
      if (parent) svg.append(el('line', { x1: parent.x + (n.depth === 1 ? 0 : W - 12), y1: parent.y - 4, x2: p.x, y2: p.y - 4, class: `tl-edge ${n.kind}${bestNode ? ' best' : ''}` }));
      const g = el('g', { class: cls, 'data-depth': n.depth, 'data-id': n.tokens.at(-1), 'data-token': label(n.tokens.at(-1)) });
      g.append(el('text', { x: p.x, y: p.y }, `${n.kind === 'finished' ? '◆ ' : ''}${label(n.tokens.at(-1))}`));
      g.append(el('title', {}, n.tokens.map(label).join(' ')));
      svg.append(g);
    }
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
