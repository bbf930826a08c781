// <seq2seq-translate text="…" beam="1…8" [alpha] [direction|src] [controls] [ids]>: the
// translation, and for beam search the n-best list with its scores. controls adds the
// direction, greedy or beam search with its width and length penalty α (the fields start
// from the attributes), a Translate button and the time the model took. Only the fields of
// the chosen decoding are read (greedy ignores the disabled width and α); a value out of
// range is refused in words before anything is sent, and the widget is never left busy.
import { TlabWidget, h } from './base.js';
import { nbestTable } from './beam.js';

export class Seq2SeqTranslate extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'alpha', 'direction', 'controls', 'ids'];
  static layoutAttributes = [...TlabWidget.layoutAttributes, 'controls', 'ids'];

  get defaultModel() {
    return 'translate';
  }

  layout() {
    const controls = this.hasAttribute('controls');
    this.output = this.field('output', h('p', { class: 'tl-translation', 'aria-live': 'polite' }));
    return [
      this.modelUsed,
      controls ? h('div', { class: 'tl-controls' }, this.directions()) : null,
      this.progress,
      this.input('text', 'source', { multiline: true }),
      controls ? this.decoding() : null,
      this.errorBox,
      this.output,
      this.body,
    ];
  }

  /** Radio buttons, one per direction of the default models; the output becomes the new source. */
  directions() {
    const name = this.partId('direction');
    const now = this.attr('direction', 'en-pt');
    return h(
      'fieldset',
      { class: 'tl-segmented', 'aria-label': this.t('direction') },
      Object.entries(this.t('directions')).map(([direction, label]) =>
        h(
          'label',
          {},
          this.field(`direction-${direction}`, h('input', {
            type: 'radio',
            name,
            value: direction,
            checked: direction === now,
            // The natural round trip: translate the translation back.
            onchange: () => this.setAttrs(this.output.textContent ? { direction, text: this.output.textContent } : { direction }),
          })),
          ` ${label}`,
        ),
      ),
    );
  }

  decoding() {
    const beam = this.num('beam', 1);
    const name = this.partId('mode');
    const onMode = () => {
      this.enableBeamFields();
      this.refresh();
    };
    const radio = (mode, label, checked) => this.radio(`mode-${mode}`, name, mode, label, { checked, onchange: onMode });
    const row = h(
      'div',
      { class: 'tl-controls' },
      h('fieldset', { class: 'tl-segmented', 'aria-label': this.t('decoding') }, radio('greedy', this.t('greedy'), beam <= 1), radio('beam', this.t('beamSearch'), beam > 1)),
      this.numberField('beam', this.t('width'), { min: 2, max: 8, value: String(beam > 1 ? beam : 4) }),
      this.numberField('alpha', this.t('alpha'), { min: 0, max: 5, step: 0.1, value: this.attr('alpha', '1.0') }),
      this.field('go', h('button', { type: 'button', class: 'tl-primary', text: this.t('translate'), onclick: () => this.commit(true) })),
      this.field('timing', h('span', { class: 'tl-muted', 'aria-live': 'polite' })),
    );
    this.enableBeamFields();
    return row;
  }

  enableBeamFields() {
    const greedy = !this.fields['mode-beam'].checked;
    this.fields.beam.disabled = greedy;
    this.fields.alpha.disabled = greedy;
  }

  /** The request's options, or an Error in words for a field out of range. */
  options() {
    if (!this.hasAttribute('controls')) return { beam: this.num('beam', 1), alpha: this.num('alpha', 1) };
    if (!this.fields['mode-beam'].checked) return { beam: 1 };
    const width = this.fields.beam.value.trim();
    const alpha = this.fields.alpha.value.trim();
    if (!/^\d+$/.test(width) || Number(width) < 2 || Number(width) > 8) throw new Error(this.t('badWidth', width));
    if (alpha === '' || !Number.isFinite(Number(alpha)) || Number(alpha) < 0 || Number(alpha) > 5) throw new Error(this.t('badAlpha', alpha));
    return { beam: Number(width), alpha: Number(alpha) };
  }

  /** @returns {Promise<{out: import('../lib/ops.js').TranslateResult, beam: number, ms: number}>} */
  async load(spec, client) {
    const opts = this.options();
    const t0 = performance.now();
    const out = await client.translate(spec.key, this.attr('text', ''), opts);
    return { out, beam: opts.beam, ms: performance.now() - t0 };
  }

  render({ out, beam, ms }) {
    this.output.textContent = out.translation;
    if (this.fields.timing) this.fields.timing.textContent = this.t('ms', ms.toFixed(0));
    if (beam <= 1) return null;
    return nbestTable(this, out.nbest.map((c) => ({ text: c.translation, score: c.score, log_prob: c.log_prob })), { heading: this.t('translation'), id: this.partId('nbest') });
  }

  failed() {
    this.output.textContent = '';
    this.body.replaceChildren();
  }
}
