// <masked-self-attention text="…" [model] [src] [layer] [head] [reference] [direction]>:
// [specials="hide|show"]: masked (causal) self-attention, stepping through the positions; row i shows what position i
// attends to.
//
// By default a GPT's, the real weights of the built-in one (models/gpt-poetry) or of the GPT
// at src, over the text as its prompt (the `attentions` op): the model computes every cell,
// and those right of the diagonal come out exactly 0 (the mask adds −∞ before the softmax),
// so they are drawn as the 0 they are. With model="translate", or a direction or reference
// (the attributes it always had), it is a translation decoder's self-attention when the
// decoder teacher-forces the reference (or its own translation); an SSRU decoder has none, and
// the view says so and draws the textbook mask.
import { TlabWidget, h } from './base.js';
import { forcedWithAttention, heatmap, headRow, layerHeadControls, modelName, specialsToggle, whereText, withoutSpecials, MAX_TOKENS } from './attention.js';
import { BUILTIN_GPT, builtinEntry } from '../lib/client.js';

/** @typedef {import('../lib/ops.js').GptAttentionsResult} GptAttentionsResult */
/** @typedef {import('../lib/ops.js').TeacherForceAttentionsResult} TeacherForceAttentionsResult */

export class MaskedSelfAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'reference', 'direction', 'layer', 'head', 'specials'];

  /** A GPT, unless an attribute of the translation view names a translation model. */
  get defaultModel() {
    return ['direction', 'reference', 'shortlist'].some((a) => this.hasAttribute(a)) ? 'translate' : 'gpt';
  }

  /** @returns {Promise<{gpt: GptAttentionsResult, name: string} | {forced: TeacherForceAttentionsResult}>} */
  async load(spec, client) {
    this.stepAt = null;
    if (spec.kind !== 'gpt') return { forced: await forcedWithAttention(this, spec, client), model: await modelName(spec) };
    const gpt = await client.attentions(spec.key, this.attr('text', ''));
    const name = spec.key === BUILTIN_GPT.key ? (await builtinEntry(BUILTIN_GPT.entry)).name ?? this.t('gptBuiltin') : this.getAttribute('src');
    return { gpt, name };
  }

  /** Hiding or showing the special tokens (GPT view) only redraws: the weights are the same. */
  attributeChangedCallback(name, old, value) {
    if (name === 'specials' && this._connected && old !== value) this.draw();
    else super.attributeChangedCallback(name, old, value);
  }

  render(d) {
    return d.gpt ? this.renderGpt(d) : this.renderDecoder(d.forced, d.model);
  }

  /** Previous / Step i of n / Next: rows from position `step` on are not drawn yet. */
  stepper(n) {
    this.stepAt ??= n;
    const step = this.stepAt;
    return h(
      'div',
      { class: 'tl-controls' },
      h('button', { type: 'button', class: 'tl-prev', text: this.t('prev'), disabled: step <= 1, onclick: () => this.go(step - 1) }),
      h('span', { class: 'tl-step', text: this.t('step', step, n) }),
      h('button', { type: 'button', class: 'tl-next', text: this.t('next'), disabled: step >= n, onclick: () => this.go(step + 1) }),
    );
  }

  /** A GPT's own weights, every cell as computed (the future's are 0). */
  renderGpt({ gpt, name }) {
    const n = gpt.tokens.length;
    const stepper = this.stepper(n);
    const { layer, head, controls } = layerHeadControls(this, gpt.layers.length, gpt.layers[0].length);
    const heads = gpt.layers[layer - 1];
    const drawn = Math.min(n, MAX_TOKENS);
    let values = Array.from({ length: drawn }, (_, q) => (q < this.stepAt ? headRow(heads.map((hd) => hd[q]), head) : Array(drawn).fill(null)));
    // Off by default here: the map is the model's every cell, as the note above says.
    const specials = specialsToggle(this, false);
    let cols = gpt.tokens;
    let hidden = [];
    if (specials.hide) ({ cols, values, hidden } = withoutSpecials(cols, values));
    Object.assign(this.dataset, { mode: 'gpt', layer, head });
    delete this.dataset.decoder;
    const which = head === 'avg' ? this.t('average') : `${this.t('head')} ${head}`;
    return [
      this.input('text', 'text'),
      controls,
      h('div', { class: 'tl-controls' }, specials.control),
      hidden.length ? h('p', { class: 'tl-muted tl-hidden-special', text: this.t('hiddenSpecial', hidden.join(' ')) }) : null,
      h('p', { class: 'tl-muted', text: this.t('gptMaskNote') }),
      stepper,
      heatmap(this, { rows: gpt.tokens, cols, values, caption: this.t('causalGpt', layer, which), model: name, hue: 150 }),
    ];
  }

  /** A translation decoder's, under teacher forcing. */
  renderDecoder(d, model) {
    const stepper = this.stepper(d.target_tokens.length);
    const step = this.stepAt;
    const ssru = d.decoder_self_attention === 'ssru';
    Object.assign(this.dataset, { mode: 'translate', decoder: d.decoder_self_attention });
    let values;
    let controls = null;
    let where = '';
    const drawn = d.target_tokens.slice(0, MAX_TOKENS); // what the heatmap draws
    if (ssru) {
      // No attention exists in this decoder: draw the mask itself (1 = may attend).
      values = drawn.map((_, q) => drawn.map((_, k) => (q < step && k <= q ? 1 : null)));
    } else {
      const lh = layerHeadControls(this, d.self_attentions[0].length, d.self_attentions[0][0].length);
      controls = lh.controls;
      where = ` ${whereText(this, lh.layer, lh.head)}`;
      values = drawn.map((_, q) => {
        const row = q < step ? headRow(d.self_attentions[q][lh.layer - 1], lh.head) : [];
        return drawn.map((_, k) => (k <= q ? (row[k] ?? null) : null));
      });
    }
    return [
      this.input('text', 'source'),
      controls,
      ssru ? h('p', { class: 'tl-note tl-ssru', text: this.t('ssru') }) : null,
      stepper,
      heatmap(this, { rows: d.target_tokens, cols: d.target_tokens, values, caption: `${this.t('causal')}${where}`, model, hue: 150 }),
    ];
  }

  go(step) {
    this.stepAt = step;
    this.draw();
    this.querySelector(step > 1 ? '.tl-next' : '.tl-prev')?.focus();
  }
}
