// <cross-attention text="…" [reference] [direction|src] [layer] [head]>: where the decoder
// looks in the source, one row per target token.
import { TlabWidget, h } from './base.js';
import { forcedWithAttention, heatmap, headRow, layerHeadControls, modelName, whereText, MAX_TOKENS } from './attention.js';

export class CrossAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction', 'layer', 'head'];

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
    return [
      this.input('text', 'source'),
      controls,
      h('p', { class: 'tl-translation', text: d.target_tokens.join(' ') }),
      heatmap(this, { rows: d.target_tokens, cols: d.source_tokens, values, caption: `${this.t('cross')} ${whereText(this, layer, head)}`, model: d.name, hue: 30 }),
    ];
  }
}
