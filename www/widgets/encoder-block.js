// <encoder-block text="…" [layer] [token] [src]>: one token's vector through one encoder
// block of a BERT (the default: the built-in English model), stage by stage as the lecture's
// block diagram draws it: input → Self-attention → + (Residual) → Layer Norm → Feed-forward
// → + (Residual) → Layer Norm. Each stage is a heat strip of the vector (one thin cell per
// dimension, one shared symmetric colour scale) with its norm, mean and standard deviation;
// the two residual "skip" arrows go around the sublayers. Under it, in words, what the numbers
// show: the sum after "+" is still mostly what came along the skip, and Layer Norm gives every
// token a mean near 0 and about the same spread, whatever it had before.
// layer: 1-based (default 1); token: the index of the token followed, [CLS] = 0 (default 1).
import { TlabWidget, h, fmt } from './base.js';
import { modelName } from './model-line.js';

/** The stages of EncoderBlockResult, in order; the two "+" stages and what they add. */
export const STAGES = ['input', 'self_attention', 'attn_residual', 'attn_norm', 'feed_forward', 'ffn_residual', 'output'];
const RESIDUALS = { attn_residual: ['input', 'self_attention'], ffn_residual: ['attn_norm', 'feed_forward'] };
/** The skip arrow's piece beside each stage (and beside the arrow after it). */
const SKIP = { input: ['start', 'mid'], self_attention: ['mid', 'mid'], attn_residual: ['end', null], attn_norm: ['start', 'mid'], feed_forward: ['mid', 'mid'], ffn_residual: ['end', null], output: [null, null] };

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
/** Cosine similarity of two vectors (0 if either is zero). */
export function cosine(a, b) {
  const n = Math.sqrt(dot(a, a) * dot(b, b));
  return n > 0 ? dot(a, b) / n : 0;
}

/** The colour scale's end: the 98th percentile of |v| over `values`, rounded up to 1, 1.5, 2,
 * 2.5, 3, 4, 5, 6 or 8 times a power of ten (a few outlier dimensions would wash out the rest). */
export function colourScale(values) {
  const abs = values.map(Math.abs).filter(Number.isFinite).sort((a, b) => a - b);
  const p = abs[Math.min(abs.length - 1, Math.floor(0.98 * abs.length))] ?? 1;
  if (!(p > 0)) return 1;
  const ten = 10 ** Math.floor(Math.log10(p));
  return ten * [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * ten >= p - 1e-12);
}

/** Blue for negative, red for positive, white at 0, full colour at ±scale and beyond. */
function colour(v, scale) {
  const a = Math.min(1, Math.abs(v) / scale);
  return `hsl(${v < 0 ? 215 : 8} 78% ${Math.round(97 - 52 * a)}%)`;
}

const range = (xs) => [Math.min(...xs), Math.max(...xs)];

export class EncoderBlock extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'layer', 'token'];

  /** The layer, 1-based, within the model's layers. */
  layerOf(layers) {
    return Math.min(Math.max(Math.trunc(this.num('layer', 1)) || 1, 1), layers);
  }

  /** @returns {Promise<import('../lib/ops.js').EncoderBlockResult & {name: string}>} */
  async load(spec, client) {
    const layers = spec.info?.layers ?? 1;
    const result = await client.encoderBlock(spec.key, this.attr('text', ''), this.layerOf(layers) - 1);
    return { ...result, name: await modelName(spec) };
  }

  /** The token followed: a new one only redraws (the model's answer covers every token). */
  attributeChangedCallback(name, old, value) {
    if (name === 'token' && this._connected && old !== value && this.data) this.draw();
    else super.attributeChangedCallback(name, old, value);
  }

  tokenOf(d) {
    const n = d.tokens.length;
    const t = Math.trunc(this.num('token', n > 2 ? 1 : 0));
    return Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), n - 1);
  }

  /** Redraws, keeping the keyboard focus on the control that had it. */
  draw() {
    const key = this.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    super.draw();
    if (key) this.querySelector(`[data-focus-key="${key}"]`)?.focus();
  }

  /** Follows token `t` (and focuses its button). */
  choose(t) {
    this.setAttribute('token', String(t));
    this.querySelector(`.tl-eb-token[data-t="${t}"]`)?.focus();
  }

  /** @param {import('../lib/ops.js').EncoderBlockResult & {name: string}} d */
  render(d) {
    const t = this.tokenOf(d);
    const S = Object.fromEntries(d.stages.map((s) => [s.name, s]));
    const vec = (name) => S[name].vectors[t];
    const scale = colourScale(STAGES.flatMap((name) => vec(name)));
    Object.assign(this.dataset, { token: String(t), layer: String(d.layer + 1), layers: String(d.layers), hidden: String(d.hidden), scale: String(scale) });
    const tokenName = d.tokens[t];

    // Controls: the token followed (one Tab stop, arrow keys move), the layer.
    const buttons = d.tokens.map((tok, i) =>
      h('button', {
        type: 'button',
        class: 'tl-eb-token',
        'aria-pressed': String(i === t),
        tabindex: i === t ? 0 : -1,
        text: tok,
        dataset: { t: i, focusKey: `token-${i}` },
        onclick: () => this.choose(i),
      }),
    );
    const tokens = h('div', {
      class: 'tl-eb-tokens',
      role: 'group',
      'aria-label': this.t('ebTokens'),
      onkeydown: (e) => {
        const i = Number(e.target.dataset?.t);
        if (!Number.isInteger(i)) return;
        const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: d.tokens.length - 1 }[e.key];
        if (to == null) return;
        e.preventDefault();
        this.choose(Math.min(Math.max(to, 0), d.tokens.length - 1));
      },
    }, buttons);
    const layers = Array.from({ length: d.layers }, (_, i) => [i + 1, String(i + 1)]);
    const layerControl = this.select('layer', 'layer', layers, d.layer + 1);
    layerControl.querySelector('select').dataset.focusKey = 'layer';

    const readout = h('p', { class: 'tl-readout tl-eb-readout', 'aria-live': 'polite', text: this.t('ebHover') });
    const stageItems = STAGES.flatMap((name, k) => {
      const s = S[name];
      const cells = vec(name).map((v, i) => h('span', { class: 'tl-eb-cell', dataset: { i, v: String(v) }, style: `background:${colour(v, scale)}` }));
      const label = this.t('ebStage', name, d.layer + 1);
      const strip = h('div', {
        class: 'tl-eb-strip',
        role: 'img',
        'aria-label': this.t('ebStripLabel', label, d.hidden, fmt(Math.min(...vec(name)), 2), fmt(Math.max(...vec(name)), 2)),
        style: `grid-template-columns: repeat(${d.hidden}, 1fr)`,
        onmouseover: (e) => {
          const c = e.target.closest('.tl-eb-cell');
          if (c) readout.textContent = this.t('ebCell', label, Number(c.dataset.i), fmt(Number(c.dataset.v), 4));
        },
      }, cells);
      const [here, after] = SKIP[name];
      const item = h(
        'li',
        { class: `tl-eb-stage tl-eb-${name.replace('_', '-')}`, dataset: { stage: name, norm: String(s.norms[t]), mean: String(s.means[t]), std: String(s.stds[t]) } },
        h('span', { class: `tl-eb-skip ${here ?? ''}`, title: here ? this.t('ebSkip') : null, 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-eb-box' },
          h(
            'div',
            { class: 'tl-eb-head' },
            h('span', { class: 'tl-eb-name', text: label }),
            h(
              'span',
              { class: 'tl-eb-stats' },
              h('span', { class: 'tl-eb-norm', text: `‖x‖ ${fmt(s.norms[t], 2)}` }),
              h('span', { class: 'tl-eb-mean', text: `${this.t('ebMean')} ${fmt(s.means[t], 3)}` }),
              h('span', { class: 'tl-eb-std', text: `${this.t('ebStd')} ${fmt(s.stds[t], 3)}` }),
            ),
          ),
          strip,
        ),
      );
      if (k === STAGES.length - 1) return [item];
      const arrow = h('li', { class: 'tl-eb-arrow', 'aria-hidden': 'true' }, h('span', { class: `tl-eb-skip ${after ?? ''}` }), h('span', { class: 'tl-eb-down', text: '↓' }));
      return [item, arrow];
    });

    const legend = h(
      'div',
      { class: 'tl-legend tl-eb-legend', role: 'img', 'aria-label': this.t('ebLegend', fmt(scale, 2), d.hidden), dataset: { scale: String(scale) } },
      h('span', { text: `−${fmt(scale, 2)}` }),
      h('span', { class: 'tl-legend-bar', style: `background: linear-gradient(to right, ${colour(-scale, scale)}, ${colour(0, scale)}, ${colour(scale, scale)})` }),
      h('span', { text: `+${fmt(scale, 2)}` }),
    );
    const legendRow = h('div', { class: 'tl-eb-legend-row' }, legend, h('span', { class: 'tl-muted tl-eb-legend-note', text: this.t('ebLegendNote', d.hidden) }));

    return [
      this.input('text', 'text'),
      h('div', { class: 'tl-controls' }, layerControl),
      h('div', { class: 'tl-field' }, h('span', { class: 'tl-eb-tokens-label', text: this.t('ebToken') }), tokens),
      h(
        'figure',
        { class: 'tl-figure tl-eb' },
        h('figcaption', { text: `${this.t('ebCaption', tokenName, d.layer + 1, d.layers)} ${this.t('heatModel', d.name)}` }),
        legendRow,
        h('ol', { class: 'tl-eb-stages' }, stageItems),
        readout,
      ),
      this.explain(d, t, S),
      this.table(d, t, S),
    ];
  }

  /** What the numbers show, in words, for token `t`. */
  explain(d, t, S) {
    const at = (name) => ({ v: S[name].vectors[t], norm: S[name].norms[t], mean: S[name].means[t], std: S[name].stds[t] });
    const residual = (name) => {
      const [skip, branch] = RESIDUALS[name].map(at);
      const sum = at(name);
      return { skipCos: cosine(sum.v, skip.v), branchCos: cosine(sum.v, branch.v), skipNorm: skip.norm, branchNorm: branch.norm };
    };
    const r1 = residual('attn_residual');
    const r2 = residual('ffn_residual');
    const f = (x) => fmt(x, 2);
    const [b0, b1] = range(S.ffn_residual.stds);
    const [a0, a1] = range(S.output.stds);
    const means = [...S.attn_norm.means, ...S.output.means].map(Math.abs);
    return h(
      'div',
      { class: 'tl-eb-explain', dataset: { cosInput: String(r1.skipCos), cosAttention: String(r1.branchCos), cosSkip2: String(r2.skipCos), cosFfn: String(r2.branchCos) } },
      h('p', { class: 'tl-eb-why-residual' }, this.t('ebResidual1', f(r1.skipCos), f(r1.branchCos), f(r1.skipNorm), f(r1.branchNorm))),
      h('p', { class: 'tl-eb-why-norm' }, this.t('ebLayerNorm', d.hidden, fmt(at('output').mean, 3), d.tokens.length, f(b0), f(b1), f(a0), f(a1), fmt(Math.max(...means), 3))),
      h('p', { class: 'tl-eb-why-residual2' }, this.t('ebResidual2', f(r2.skipCos), f(r2.branchCos), f(r2.skipNorm), f(r2.branchNorm), r2.skipCos >= r2.branchCos)),
    );
  }

  /** Every token's std at every stage: Layer Norm's effect across the tokens. */
  table(d, t, S) {
    return h(
      'details',
      { class: 'tl-eb-all' },
      h('summary', { text: this.t('ebTable') }),
      h(
        'div',
        { class: 'tl-scroll' },
        h(
          'table',
          { class: 'tl-table tl-eb-table' },
          h('tr', {}, h('th', { text: this.t('ebToken') }), STAGES.map((name) => h('th', { text: this.t('ebShort', name) }))),
          d.tokens.map((tok, i) =>
            h(
              'tr',
              { class: i === t ? 'chosen' : null, dataset: { t: i } },
              h('td', { class: 'tl-tok', text: tok }),
              STAGES.map((name) => h('td', { class: 'tl-num', dataset: { std: String(S[name].stds[i]) }, text: fmt(S[name].stds[i], 3) })),
            ),
          ),
        ),
      ),
    );
  }
}
