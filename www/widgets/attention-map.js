// <attention-map model="bert|translate" text="…" layer="1" head="avg|1…" [specials="hide|show"]
// [direction] [src]>: the encoder's self-attention as a heatmap. specials: hide the special
// tokens' columns and renormalise the rows (by default for a BERT, whose head averages are
// otherwise mostly [CLS] and [SEP]).
import { TlabWidget, h } from './base.js';
import { heatmap, headRow, layerHeadControls, modelName, specialsToggle, whereText, withoutSpecials, MAX_TOKENS } from './attention.js';

export class AttentionMap extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction', 'layer', 'head', 'specials'];

  /** @returns {Promise<import('../lib/ops.js').AttentionsResult & {kind: string, name: string}>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    const d = spec.kind === 'bert' ? await client.attentions(spec.key, text) : await client.encoderAttentions(spec.key, text);
    return { ...d, kind: spec.kind, name: await modelName(spec) };
  }

  /** Hiding or showing the special tokens only redraws: the weights are the same. */
  attributeChangedCallback(name, old, value) {
    if (name === 'specials' && this._connected && old !== value) this.draw();
    else super.attributeChangedCallback(name, old, value);
  }

  render(d) {
    const { layer, head, controls } = layerHeadControls(this, d.layers.length, d.layers[0].length);
    const specials = specialsToggle(this, d.kind === 'bert');
    const heads = d.layers[layer - 1];
    let values = Array.from({ length: Math.min(MAX_TOKENS, heads[0].length) }, (_, q) => headRow(heads.map((hd) => hd[q]), head));
    let cols = d.tokens;
    let hidden = [];
    if (specials.hide) ({ cols, values, hidden } = withoutSpecials(cols, values));
    this.dataset.layer = layer;
    this.dataset.head = head;
    return [
      this.input('text', 'text'),
      controls,
      h('div', { class: 'tl-controls' }, specials.control),
      hidden.length ? h('p', { class: 'tl-muted tl-hidden-special', text: this.t('hiddenSpecial', hidden.join(' ')) }) : null,
      h('p', { class: 'tl-muted', text: this.t('hover') }),
      heatmap(this, { rows: d.tokens, cols, values, caption: whereText(this, layer, head), model: d.name }),
    ];
  }
}
