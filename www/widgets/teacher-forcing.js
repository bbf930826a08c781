// <teacher-forcing text="…" reference="…" [direction|src]>: the probability of every
// reference token given the reference prefix, next to the model's own top guess.
import { TlabWidget, h, fmt, pct } from './base.js';

export class TeacherForcing extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'reference', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  /** @returns {Promise<{forced: import('../lib/ops.js').TeacherForceResult, free: import('../lib/ops.js').TranslateResult}>} */
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
