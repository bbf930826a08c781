// <teacher-forcing text="…" reference="…" [direction|src]>: the probability of every
// reference token given the reference prefix, next to the model's own top guess.
// Both attributes are optional: without text, the direction's example sentence; without
// reference, that example's reference translation (EXAMPLES) when the text is the example,
// else the model's own greedy translation (and a note says so).
import { TlabWidget, h, fmt, pct } from './base.js';

/** Per direction: the example sentence and a human reference translation of it. */
export const EXAMPLES = {
  'en-pt': { text: 'The cat sat on the mat.', reference: 'O gato sentou-se no tapete.' },
  'pt-en': { text: 'O gato sentou-se no tapete.', reference: 'The cat sat on the mat.' },
};

export class TeacherForcing extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  /** The example of the widget's direction (en-pt unless direction="pt-en"). */
  get example() {
    return EXAMPLES[this.getAttribute('direction')] ?? EXAMPLES['en-pt'];
  }
  /** No text: the example fills the field; no reference for the example: its reference. */
  start() {
    const { text, reference } = this.example;
    const defaults = {};
    if (!this.hasAttribute('text')) defaults.text = text;
    if (!this.hasAttribute('reference') && (defaults.text ?? this.getAttribute('text')).trim() === text) defaults.reference = reference;
    this.setAttrs(defaults, false);
    super.start();
  }
  /** @returns {Promise<{forced: import('../lib/ops.js').TeacherForceResult, free: import('../lib/ops.js').TranslateResult, ownReference: boolean}>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    const free = await client.translate(spec.key, text, {});
    const given = this.attr('reference', '');
    const ownReference = !given.trim();
    const forced = await client.teacherForce(spec.key, text, ownReference ? free.translation : given);
    return { forced, free, ownReference };
  }
  render({ forced, free, ownReference }) {
    this.dataset.logLikelihood = String(forced.log_likelihood);
    return [
      this.input('text', 'source'),
      this.input('reference', 'reference'),
      ownReference ? h('p', { class: 'tl-muted tl-own-reference', text: this.t('teacherOwnReference') }) : null,
      h('p', { class: 'tl-muted', text: this.t('teacherNote') }),
      forced.positions.some((p) => p.in_shortlist === false) ? h('p', { class: 'tl-muted tl-shortlist-note', text: this.t('teacherShortlistNote') }) : null,
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
              h('td', { class: 'tl-tok' }, [p.token, p.in_shortlist === false ? h('small', { class: 'tl-outside', text: ` ${this.t('teacherOutsideShortlist')}` }) : null]),
              h('td', {}, h('span', { class: 'tl-bar' }, h('span', { style: `width:${(100 * p.prob).toFixed(1)}%` })), ` ${pct(p.prob)}`),
              h('td', { class: 'tl-num', text: fmt(p.log_prob) }),
              h('td', { class: 'tl-tok', text: `${p.top_token} (${pct(p.top_prob)})` }),
            ),
          ),
        ),
      ),
      h('p', { class: 'tl-total', text: this.t('total', fmt(forced.log_likelihood, 4)) }),
      h('p', { class: 'tl-free', text: this.t('freeRun', free.translation, fmt(free.nbest[0].log_prob, 4)) }),
    ];
  }
}
