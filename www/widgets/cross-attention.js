// <cross-attention text="…" [reference] [direction|src] [layer] [head] [diagonal[="w"]]
// [copies]>: where the decoder looks in the source, one row per target token.
// diagonal: how diagonal (monotonic) each layer's cross-attention is, the alignment that
// guided attention enforces in speech models: per layer, the share of attention within a band
// of half-width w (default 0.15) around the diagonal, and the mean distance of the attended
// position from it (see diagonality); the band's cells are outlined in the map.
// copies: the output tokens that occur unchanged in the source (names, numbers), and the
// source token each one's cross-attention weighs most (see copiedTokens).
import { TlabWidget, h, pct, fmt } from './base.js';
import { forcedWithAttention, heatmap, headRow, isSpecialToken, layerHeadControls, modelName, whereText, MAX_TOKENS } from './attention.js';

export const DEFAULT_BAND = 0.15;

/** Where position `i` of `n` lies on a 0…1 scale (the middle of its slot). */
const at = (i, n) => (i + 0.5) / n;

/** Whether target position i (of T) and source position j (of S) lie within `band` of the
 * diagonal. */
export const inBand = (i, T, j, S, band) => Math.abs(at(i, T) - at(j, S)) <= band + 1e-12;

/**
 * How diagonal each layer's cross-attention is, from cross_attentions [target i][layer][head]
 * [source j], heads averaged: per layer {layer (1-based), mass: the mean over target positions
 * of the attention within `band` of the diagonal, offset: the mean over target positions of
 * |expected source position − target position| (both on a 0…1 scale), uniform: the mass that
 * attention spread evenly over the source would have}. All three lie in [0, 1].
 */
export function diagonality(crossAttentions, band = DEFAULT_BAND) {
  const T = crossAttentions.length;
  if (!T) return [];
  const layers = crossAttentions[0].length;
  return Array.from({ length: layers }, (_, l) => {
    let mass = 0;
    let offset = 0;
    let uniform = 0;
    for (let i = 0; i < T; i++) {
      const row = headRow(crossAttentions[i][l], 'avg', Infinity);
      const S = row.length;
      let expected = 0;
      for (let j = 0; j < S; j++) {
        expected += row[j] * at(j, S);
        if (inBand(i, T, j, S, band)) {
          mass += row[j];
          uniform += 1 / S;
        }
      }
      offset += Math.abs(expected - at(i, T));
    }
    return { layer: l + 1, mass: mass / T, offset: offset / T, uniform: uniform / T };
  });
}

/** The output tokens (with a letter or a digit, not special) that occur unchanged among the
 * source tokens, each with the source token that `values` (its drawn row: one layer, one head
 * or the average) weighs most: [{i, token, j, weight, same}]. */
export function copiedTokens(sourceTokens, targetTokens, values) {
  const copies = [];
  targetTokens.forEach((token, i) => {
    if (isSpecialToken(token) || !/[\p{L}\p{N}]/u.test(token) || !sourceTokens.includes(token) || !values[i]) return;
    let j = 0;
    for (let k = 1; k < values[i].length; k++) if (values[i][k] > values[i][j]) j = k;
    copies.push({ i, token, j, weight: values[i][j], same: sourceTokens[j] === token });
  });
  return copies;
}

export class CrossAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction', 'layer', 'head', 'diagonal', 'copies'];

  /** The band's half-width of `diagonal` (empty or not a number in (0, 1]: DEFAULT_BAND). */
  get band() {
    const w = Number(this.getAttribute('diagonal'));
    return w > 0 && w <= 1 ? w : DEFAULT_BAND;
  }

  get defaultModel() {
    return 'translate';
  }
  /** @returns {Promise<import('../lib/ops.js').TeacherForceAttentionsResult & {name: string}>} */
  async load(spec, client) {
    return { ...(await forcedWithAttention(this, spec, client)), name: await modelName(spec) };
  }
  /** @param {import('../lib/ops.js').TeacherForceAttentionsResult} d */
  render(d) {
    const nLayers = d.cross_attentions[0].length;
    const { layer, head, controls } = layerHeadControls(this, nLayers, d.cross_attentions[0][0].length);
    // Only what the heatmap draws (MAX_TOKENS per axis) is averaged.
    const values = d.cross_attentions.slice(0, MAX_TOKENS).map((layers) => headRow(layers[layer - 1], head));
    const map = heatmap(this, { rows: d.target_tokens, cols: d.source_tokens, values, caption: `${this.t('cross')} ${whereText(this, layer, head)}`, model: d.name, hue: 30 });
    const diagonal = this.hasAttribute('diagonal');
    if (diagonal) {
      const [T, S] = [d.target_tokens.length, d.source_tokens.length];
      for (const c of map.querySelectorAll('.tl-cell')) if (inBand(Number(c.dataset.q), T, Number(c.dataset.k), S, this.band)) c.classList.add('tl-in-band');
    }
    return [
      this.input('text', 'source'),
      controls,
      h('p', { class: 'tl-translation', text: d.target_tokens.join(' ') }),
      map,
      this.hasAttribute('copies') ? this.copies(d, values, whereText(this, layer, head).replace(/[.。]$/, '')) : null,
      diagonal ? this.diagonal(d, layer) : null,
    ];
  }

  /** The per-layer table of how diagonal the cross-attention is (`layer`: the one drawn). */
  diagonal(d, layer) {
    const rows = diagonality(d.cross_attentions, this.band);
    return h(
      'div',
      { class: 'tl-diagonal', dataset: { band: String(this.band) } },
      h('p', { class: 'tl-muted', text: this.t('diagTitle', this.band) }),
      h(
        'table',
        { class: 'tl-table tl-diag' },
        h('tr', {}, [this.t('diagLayer'), this.t('diagMass'), this.t('diagOffset')].map((x) => h('th', { text: x }))),
        rows.map((r) =>
          h(
            'tr',
            { class: r.layer === layer ? 'chosen' : null, dataset: { layer: r.layer, mass: String(r.mass), offset: String(r.offset), uniform: String(r.uniform) } },
            h('td', { text: String(r.layer) }),
            h('td', {}, h('span', { class: 'tl-bar' }, h('span', { style: `width:${(100 * r.mass).toFixed(1)}%` })), ` ${pct(r.mass)}`),
            h('td', { class: 'tl-num', text: fmt(r.offset, 3) }),
          ),
        ),
      ),
      rows.length ? h('p', { class: 'tl-muted tl-diag-uniform', text: this.t('diagUniform', pct(rows[0].uniform)) }) : null,
    );
  }

  /** The output tokens copied from the source, and where each one looks (`values`: the rows drawn). */
  copies(d, values, where) {
    const copies = copiedTokens(d.source_tokens, d.target_tokens, values);
    if (!copies.length) return h('p', { class: 'tl-muted tl-copies-none', text: this.t('copiesNone') });
    return h(
      'div',
      { class: 'tl-copies-box' },
      h(
        'table',
        { class: 'tl-table tl-copies' },
        h('caption', { text: this.t('copiesTitle', where) }),
        h('tr', {}, [this.t('copiesOut'), this.t('copiesLooks'), this.t('copiesSame')].map((x) => h('th', { text: x }))),
        copies.map((c) =>
          h(
            'tr',
            { class: c.same ? 'same' : 'other', dataset: { i: c.i, j: c.j, weight: String(c.weight) } },
            h('td', { class: 'tl-tok', text: c.token }),
            h('td', { class: 'tl-tok', text: `${d.source_tokens[c.j]} (${fmt(c.weight, 2)})` }),
            h('td', { text: c.same ? this.t('copiesYes') : this.t('copiesNo') }),
          ),
        ),
      ),
      h('p', { class: 'tl-copies-summary', text: this.t('copiesSummary', copies.filter((c) => c.same).length, copies.length) }),
    );
  }
}
