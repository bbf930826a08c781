// <attention-map model="bert|translate" text="…" layer="1" head="avg|1…" [direction] [src]>:
// the encoder's self-attention as a heatmap.
import { TlabWidget, h } from './base.js';
import { heatmap, headRow, layerHeadControls, MAX_TOKENS } from './attention.js';

export class AttentionMap extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction', 'layer', 'head'];

  /** @returns {Promise<import('../lib/ops.js').AttentionsResult>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    return spec.kind === 'bert' ? client.attentions(spec.key, text) : client.encoderAttentions(spec.key, text);
  }
  /** @param {import('../lib/ops.js').AttentionsResult} d */
  render(d) {
    const { layer, head, controls } = layerHeadControls(this, d.layers.length, d.layers[0].length);
    const heads = d.layers[layer - 1];
    const values = Array.from({ length: Math.min(MAX_TOKENS, heads[0].length) }, (_, q) => headRow(heads.map((hd) => hd[q]), head));
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
