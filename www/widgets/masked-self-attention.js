// <masked-self-attention text="…" [reference] [direction|src] [layer] [head]>: steps through
// the target; row i shows what position i attends to; the future is blank.
import { TlabWidget, h } from './base.js';
import { forcedWithAttention, heatmap, headRow, layerHeadControls, MAX_TOKENS } from './attention.js';

export class MaskedSelfAttention extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction', 'layer', 'head'];

  get defaultModel() {
    return 'translate';
  }
  /** @returns {Promise<import('../lib/ops.js').TeacherForceAttentionsResult>} */
  async load(spec, client) {
    this.stepAt = null;
    return forcedWithAttention(this, spec, client);
  }
  /** @param {import('../lib/ops.js').TeacherForceAttentionsResult} d */
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
    const drawn = d.target_tokens.slice(0, MAX_TOKENS); // what the heatmap draws
    if (ssru) {
      // No attention exists in this decoder: draw the mask itself (1 = may attend).
      values = drawn.map((_, q) => drawn.map((_, k) => (q < step && k <= q ? 1 : null)));
    } else {
      const lh = layerHeadControls(this, d.self_attentions[0].length, d.self_attentions[0][0].length);
      controls = lh.controls;
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
      heatmap(this, { rows: d.target_tokens, cols: d.target_tokens, values, caption: this.t('causal'), hue: 150 }),
    ];
  }
  go(step) {
    this.stepAt = step;
    this.draw();
    this.querySelector(step > 1 ? '.tl-next' : '.tl-prev')?.focus();
  }
}
