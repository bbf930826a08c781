// <decoding-steps text="…" beam="4" [top-k="5"] [direction|src]>: greedy and beam search
// side by side, step by step, with the beam tree.
import { TlabWidget, h, fmt, bars, svg as svgEl } from './base.js';

/** @typedef {import('../lib/ops.js').TranslateResult} TranslateResult */

export class DecodingSteps extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'top-k', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  /** @returns {Promise<{greedy: TranslateResult, beam: TranslateResult, width: number}>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    const k = this.num('top-k', 5);
    const width = Math.max(2, this.num('beam', 4));
    const [greedy, beam] = [
      await client.translate(spec.key, text, { beam: 1, traceTopK: k }),
      await client.translate(spec.key, text, { beam: width, traceTopK: k }),
    ];
    this.stepAt = 1;
    return { greedy, beam, width };
  }
  render(d) {
    const n = Math.max(d.greedy.trace.length, d.beam.trace.length);
    const step = Math.min(this.stepAt, n);
    const lab = (out) => (id) => out.trace_tokens[id] ?? String(id);
    const controls = h(
      'div',
      { class: 'tl-controls' },
      h('button', { type: 'button', class: 'tl-prev', text: this.t('prev'), disabled: step <= 1, onclick: () => this.go(step - 1) }),
      h('button', { type: 'button', class: 'tl-play', text: this.timer ? this.t('pause') : this.t('play'), onclick: () => this.play(n) }),
      h('button', { type: 'button', class: 'tl-next', text: this.t('next'), disabled: step >= n, onclick: () => this.go(step + 1) }),
      h('span', { class: 'tl-step', text: this.t('step', step, n) }),
    );
    // Greedy: the prefix so far, then this step's candidates with the chosen one marked.
    const g = d.greedy.trace[step - 1];
    const gl = lab(d.greedy);
    const greedyCol = h(
      'div',
      { class: 'tl-col-greedy' },
      h('h4', { text: this.t('greedy') }),
      h('p', { class: 'tl-translation', dataset: { tokens: JSON.stringify(d.greedy.tokens) }, text: d.greedy.translation }),
      g
        ? [
            h('p', { class: 'tl-prefix', text: g.beams[0].tokens.map(gl).join(' ') || '∅' }),
            h('p', { class: 'tl-muted', text: this.t('candidates') }),
            bars(
              g.beams[0].top.map((a) => ({ label: gl(a.id), p: a.prob })),
              { chosen: g.beams[0].top.findIndex((a) => a.id === g.chosen[0].tokens.at(-1)) },
            ),
          ]
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    const b = d.beam.trace[step - 1];
    const bl = lab(d.beam);
    const beamCol = h(
      'div',
      { class: 'tl-col-beam' },
      h('h4', { text: this.t('beam', d.width) }),
      h('p', { class: 'tl-translation tl-beam-translation', dataset: { tokens: JSON.stringify(d.beam.tokens) }, text: d.beam.translation }),
      b
        ? b.beams.map((beam) =>
            h(
              'div',
              { class: 'tl-beam' },
              h('p', { class: 'tl-prefix', text: `${beam.tokens.map(bl).join(' ') || '∅'}  (${this.t('logp')} ${fmt(beam.log_prob)})` }),
              bars(beam.top.map((a) => ({ label: bl(a.id), p: a.prob }))),
            ),
          )
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    return [
      this.input('text', 'source'),
      controls,
      h('div', { class: 'tl-side' }, greedyCol, beamCol),
      h('p', { class: 'tl-muted', text: this.t('beamTree') }),
      h('div', { class: 'tl-scroll' }, beamTree(d.beam, step, this.t('beamTreeLabel'))),
    ];
  }
  go(step) {
    this.stepAt = step;
    this.draw();
    const focus = this.querySelector(step > 1 ? '.tl-next:not([disabled])' : '.tl-prev:not([disabled])') ?? this.querySelector('.tl-play');
    if (!this.timer) focus?.focus();
  }
  play(n) {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.draw();
      return;
    }
    if (this.stepAt >= n) this.stepAt = 0;
    this.timer = setInterval(() => {
      if (this.stepAt >= n) {
        clearInterval(this.timer);
        this.timer = null;
      } else this.stepAt += 1;
      this.draw();
    }, 700);
    this.stepAt += 1;
    this.draw();
  }
  disconnectedCallback() {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }
}

/** The beam tree up to `upto` steps as SVG: nodes are prefixes (chosen, pruned, finished);
 * the best hypothesis's path is bold (class "best"). */
/** @param {TranslateResult} out @param {string} name its accessible name */
function beamTree(out, upto, name) {
  const label = (id) => out.trace_tokens[id] ?? String(id);
  const nodes = new Map(); // prefix key → {tokens, kind, depth}
  const add = (tokens, kind) => {
    const key = tokens.join(',');
    if (!nodes.has(key) || kind === 'finished') nodes.set(key, { tokens, kind, depth: tokens.length });
  };
  for (const s of out.trace.slice(0, upto)) {
    s.chosen.forEach((b) => add(b.tokens, 'chosen'));
    s.pruned.forEach((b) => add(b.tokens, 'pruned'));
    s.finished.forEach((f) => add(f.tokens, 'finished'));
  }
  const best = out.nbest[0].ids;
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
    const g = el('g', { class: cls, 'data-depth': n.depth, 'data-token': label(n.tokens.at(-1)) });
    g.append(el('text', { x: p.x, y: p.y }, `${n.kind === 'finished' ? '◆ ' : ''}${label(n.tokens.at(-1))}`));
    g.append(el('title', {}, n.tokens.map(label).join(' ')));
    svg.append(g);
  }
  return svg;
}
