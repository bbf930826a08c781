// The lecture's views as custom elements. Every number drawn comes from the wasm model in
// the worker; this file only lays it out. Attributes are documented in hugo/README.md; each
// class lists them in its static `attributes` (embed.html copies only those).
import { TlabWidget, h, fmt, heatmap, headMean, layerHeadControls, MAX_TOKENS } from './base.js';

const dirAttr = (el) => el.getAttribute('direction') ?? 'en-pt';

/** <tokenizer-view model="bert|translate" text="…" [direction] [src]> */
class TokenizerView extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction'];

  async load(spec, client) {
    return client.tokenize(spec.key, this.attr('text', ''));
  }
  render(d) {
    return [
      this.input('text', 'text'),
      h('p', { class: 'tl-muted', text: this.t('pieces', d.pieces.length, d.algorithm) }),
      h(
        'ol',
        { class: 'tl-pieces' },
        d.pieces.map((p) =>
          h(
            'li',
            {
              class: p.special ? 'tl-piece special' : 'tl-piece',
              title: p.special ? this.t('special') : null,
              dataset: { id: p.id, special: p.special ? 'true' : 'false' },
            },
            h('span', { class: 'tl-piece-text', text: p.piece }),
            h('span', { class: 'tl-piece-id', text: String(p.id) }),
          ),
        ),
      ),
    ];
  }
}

/** <attention-map model="bert|translate" text="…" layer="1" head="avg|1…"> (encoder self-attention) */
class AttentionMap extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction', 'layer', 'head'];

  async load(spec, client) {
    const text = this.attr('text', '');
    return spec.kind === 'bert' ? client.attentions(spec.key, text) : client.encoderAttentions(spec.key, text);
  }
  render(d) {
    const { layer, head, controls } = layerHeadControls(this, d.layers.length, d.layers[0].length);
    const heads = d.layers[layer - 1];
    const values = head === 'avg' ? headMean(heads) : heads[head - 1];
    this.dataset.layer = layer;
    this.dataset.head = head;
    return [
      this.input('text', 'text'),
      controls,
      h('p', { class: 'tl-muted', text: this.t('hover') }),
      heatmap(this, {
        rows: d.tokens,
        cols: d.tokens,
        values,
        caption: `${this.t('layer')} ${layer} · ${head === 'avg' ? this.t('average') : `${this.t('head')} ${head}`}`,
      }),
    ];
  }
}

/** Translate, then teacher-force the shown (or given) translation with attention. */
async function forcedWithAttention(el, spec, client) {
  const text = el.attr('text', '');
  let reference = el.getAttribute('reference');
  if (!reference) reference = (await client.translate(spec.key, text, {})).translation;
  return client.teacherForceAttentions(spec.key, text, reference);
}

/** <masked-self-attention text="…" [reference] [direction|src] [layer] [head]>: steps through
 * the target; row i shows what position i attends to; the future is blank. */
class MaskedSelfAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction', 'layer', 'head'];

  get defaultModel() {
    return 'translate';
  }
  async load(spec, client) {
    this.stepAt = null;
    return forcedWithAttention(this, spec, client);
  }
  render(d) {
    const n = d.target_tokens.length;
    this.stepAt ??= n;
    const step = this.stepAt;
    const ssru = d.decoder_self_attention === 'ssru';
    this.dataset.decoder = d.decoder_self_attention;
    const stepper = h(
      'div',
      { class: 'tl-controls' },
      h('button', { type: 'button', class: 'tl-prev', text: this.t('prev'), disabled: step <= 1, onclick: () => this.go(step - 1) }),
      h('span', { class: 'tl-step', text: this.t('step', step, n) }),
      h('button', { type: 'button', class: 'tl-next', text: this.t('next'), disabled: step >= n, onclick: () => this.go(step + 1) }),
    );
    let values;
    let controls = null;
    let caption;
    const drawn = d.target_tokens.slice(0, MAX_TOKENS); // what the heatmap draws
    if (ssru) {
      // No attention exists in this decoder: draw the mask itself (1 = may attend).
      values = drawn.map((_, q) => drawn.map((_, k) => (q < step && k <= q ? 1 : null)));
      caption = this.t('ssru');
    } else {
      const lh = layerHeadControls(this, d.self_attentions[0].length, d.self_attentions[0][0].length);
      controls = lh.controls;
      values = drawn.map((_, q) =>
        drawn.map((_, k) => {
          if (q >= step || k > q) return null;
          const heads = d.self_attentions[q][lh.layer - 1];
          return lh.head === 'avg' ? heads.reduce((s, hd) => s + hd[k], 0) / heads.length : heads[lh.head - 1][k];
        }),
      );
      caption = this.t('causal');
    }
    return [
      this.input('text', 'source'),
      controls,
      ssru ? h('p', { class: 'tl-note tl-ssru', text: this.t('ssru') }) : null,
      stepper,
      heatmap(this, { rows: d.target_tokens, cols: d.target_tokens, values, caption: ssru ? this.t('causal') : caption, hue: 150 }),
    ];
  }
  go(step) {
    this.stepAt = step;
    this.draw();
    this.querySelector(step > 1 ? '.tl-next' : '.tl-prev')?.focus();
  }
}

/** <cross-attention text="…" [reference] [direction|src] [layer] [head]> */
class CrossAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction', 'layer', 'head'];

  get defaultModel() {
    return 'translate';
  }
  async load(spec, client) {
    return forcedWithAttention(this, spec, client);
  }
  render(d) {
    const nLayers = d.cross_attentions[0].length;
    const { layer, head, controls } = layerHeadControls(this, nLayers, d.cross_attentions[0][0].length);
    // Only what the heatmap draws (MAX_TOKENS per axis) is averaged.
    const values = d.cross_attentions.slice(0, MAX_TOKENS).map((layers) => {
      const heads = layers[layer - 1];
      const n = Math.min(MAX_TOKENS, heads[0].length);
      return head === 'avg'
        ? Array.from({ length: n }, (_, k) => heads.reduce((s, hd) => s + hd[k], 0) / heads.length)
        : heads[head - 1].slice(0, n);
    });
    return [
      this.input('text', 'source'),
      controls,
      h('p', { class: 'tl-translation', text: d.target_tokens.join(' ') }),
      heatmap(this, { rows: d.target_tokens, cols: d.source_tokens, values, caption: this.t('cross'), hue: 30 }),
    ];
  }
}

/** <seq2seq-translate text="…" beam="1…8" [alpha] [direction|src]> */
class Seq2SeqTranslate extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'alpha', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  async load(spec, client) {
    return client.translate(spec.key, this.attr('text', ''), { beam: this.num('beam', 1), alpha: this.num('alpha', 1) });
  }
  render(d) {
    return [
      this.input('text', 'source', true),
      h('p', { class: 'tl-translation', text: d.translation }),
      d.nbest.length > 1
        ? h(
            'table',
            { class: 'tl-table' },
            h('caption', { text: this.t('nbest') }),
            h('tr', {}, ['#', this.t('translation'), this.t('score'), this.t('logp')].map((x) => h('th', { text: x }))),
            d.nbest.map((c, i) =>
              h('tr', {}, [String(i + 1), c.translation, fmt(c.score, 4), fmt(c.log_prob, 4)].map((x) => h('td', { text: x }))),
            ),
          )
        : null,
    ];
  }
}

/** <bert-fill-mask text="… [MASK] …" top-k="5" [src]> */
class BertFillMask extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'top-k'];

  async load(spec, client) {
    return client.fill(spec.key, this.attr('text', ''), this.num('top-k', 5));
  }
  render(d) {
    return [
      this.input('text', 'text'),
      h('p', { class: 'tl-translation', text: d.filled }),
      h(
        'div',
        { class: 'tl-cards' },
        d.masks.map((m) =>
          h(
            'div',
            { class: 'tl-card' },
            h('strong', { text: `#${m.position}` }),
            bars(m.candidates.map((c) => [c.token, c.prob])),
          ),
        ),
      ),
    ];
  }
}

function bars(items, chosen) {
  return h(
    'ul',
    { class: 'tl-bars' },
    items.map(([label, p], i) =>
      h(
        'li',
        { class: i === chosen ? 'chosen' : null, dataset: { p: String(p) } },
        h('span', { class: 'tl-tok', text: label, title: label }),
        h('span', { class: 'tl-bar' }, h('span', { style: `width:${(100 * p).toFixed(1)}%` })),
        h('span', { class: 'tl-num', text: fmt(p) }),
      ),
    ),
  );
}

/** <decoding-steps text="…" beam="4" [top-k="5"] [direction|src]>: greedy and beam search
 * side by side, step by step, with the beam tree. */
class DecodingSteps extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'top-k', 'direction'];

  get defaultModel() {
    return 'translate';
  }
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
              g.beams[0].top.map((a) => [gl(a.id), a.prob]),
              g.beams[0].top.findIndex((a) => a.id === g.chosen[0].tokens.at(-1)),
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
              bars(beam.top.map((a) => [bl(a.id), a.prob])),
            ),
          )
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    return [
      this.input('text', 'source'),
      controls,
      h('div', { class: 'tl-side' }, greedyCol, beamCol),
      h('p', { class: 'tl-muted', text: this.t('beamTree') }),
      h('div', { class: 'tl-scroll' }, beamTree(d.beam, step)),
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
function beamTree(out, upto) {
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
  const svgNs = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  };
  const svg = el('svg', {
    class: 'tl-tree',
    width: (byDepth.length + 1) * W,
    height: rows * H + 10,
    role: 'img',
    'aria-label': 'beam tree',
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

/** <teacher-forcing text="…" reference="…" [direction|src]> */
class TeacherForcing extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  async load(spec, client) {
    const text = this.attr('text', '');
    const forced = await client.teacherForce(spec.key, text, this.attr('reference', ''));
    const free = await client.translate(spec.key, text, {});
    return { forced, free };
  }
  render({ forced, free }) {
    this.dataset.logLikelihood = String(forced.log_likelihood);
    return [
      this.input('text', 'source'),
      this.input('reference', 'reference'),
      h('p', { class: 'tl-muted', text: this.t('teacherNote') }),
      h(
        'div',
        { class: 'tl-scroll' },
        h(
          'table',
          { class: 'tl-table tl-forced' },
          h('tr', {}, [this.t('position'), this.t('refToken'), this.t('prob'), this.t('logp'), this.t('topGuess')].map((x) => h('th', { text: x }))),
          forced.positions.map((p, i) =>
            h(
              'tr',
              { class: p.top_id === p.id ? 'agree' : 'disagree', dataset: { logp: String(p.log_prob) } },
              h('td', { text: String(i) }),
              h('td', { class: 'tl-tok', text: p.token }),
              h('td', {}, h('span', { class: 'tl-bar' }, h('span', { style: `width:${(100 * p.prob).toFixed(1)}%` })), ` ${fmt(p.prob)}`),
              h('td', { class: 'tl-num', text: fmt(p.log_prob) }),
              h('td', { class: 'tl-tok', text: `${p.top_token} (${fmt(p.top_prob)})` }),
            ),
          ),
        ),
      ),
      h('p', { class: 'tl-total', text: this.t('total', fmt(forced.log_likelihood, 4)) }),
      h('p', { class: 'tl-free', text: this.t('freeRun', free.translation, fmt(free.nbest[0].log_prob, 4)) }),
    ];
  }
}

/** <bert-pretraining text="…" seed="1" [top-k="5"] [src]> */
class BertPretraining extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'seed', 'top-k'];

  async load(spec, client) {
    return client.pretrainDemo(spec.key, this.attr('text', ''), this.num('seed', 1), this.num('top-k', 5));
  }
  render(d) {
    const at = new Map(d.positions.map((p) => [p.position, p]));
    this.dataset.loss = String(d.loss);
    return [
      this.input('text', 'text'),
      h('p', { class: 'tl-muted', text: this.t('pretrainNote') }),
      h(
        'div',
        { class: 'tl-controls' },
        h('button', { type: 'button', class: 'tl-reroll', text: this.t('reroll'), onclick: () => this.setAttribute('seed', String(d.seed + 1)) }),
        h('span', { class: 'tl-muted', text: `seed ${d.seed}` }),
      ),
      h(
        'ol',
        { class: 'tl-pieces' },
        d.corrupted_tokens.map((t, i) => {
          const p = at.get(i);
          return h(
            'li',
            { class: `tl-piece${p ? ` chosen ${p.kind}` : ''}`, title: p ? `${this.t('kinds')[p.kind]}: ${p.original}` : null },
            h('span', { class: 'tl-piece-text', text: t }),
            p ? h('span', { class: 'tl-piece-id', text: this.t('kinds')[p.kind] }) : null,
          );
        }),
      ),
      h(
        'div',
        { class: 'tl-cards' },
        d.positions.map((p) =>
          h(
            'div',
            { class: 'tl-card', dataset: { position: p.position, kind: p.kind } },
            h('p', {}, h('strong', { text: `${this.t('original')}: ${p.original}` }), ` · ${this.t('shown')}: ${p.shown} · ${this.t('pOriginal')} = ${fmt(p.prob_original, 4)}`),
            bars(p.candidates.map((c) => [c.token, c.prob]), p.candidates.findIndex((c) => c.id === p.original_id)),
          ),
        ),
      ),
      h('p', { class: 'tl-total', text: this.t('loss', fmt(d.loss, 4)) }),
    ];
  }
}

const ELEMENTS = {
  'tokenizer-view': TokenizerView,
  'attention-map': AttentionMap,
  'masked-self-attention': MaskedSelfAttention,
  'cross-attention': CrossAttention,
  'seq2seq-translate': Seq2SeqTranslate,
  'bert-fill-mask': BertFillMask,
  'decoding-steps': DecodingSteps,
  'teacher-forcing': TeacherForcing,
  'bert-pretraining': BertPretraining,
};

export function defineAll() {
  for (const [name, cls] of Object.entries(ELEMENTS)) if (!customElements.get(name)) customElements.define(name, cls);
}
export const WIDGETS = Object.keys(ELEMENTS);
