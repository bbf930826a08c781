// <bert-pretraining text="…" seed="1" [top-k="5"] [src]>: BERT's pre-training masking of a
// sentence (15 %; 80 % mask, 10 % random, 10 % kept), the predictions and the loss.
import { TlabWidget, h, fmt, pct, bars } from './base.js';

export class BertPretraining extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'seed', 'top-k'];

  /** @returns {Promise<import('../lib/ops.js').PretrainDemoResult>} */
  async load(spec, client) {
    return client.pretrainDemo(spec.key, this.attr('text', ''), this.num('seed', 1), this.num('top-k', 5));
  }
  /** @param {import('../lib/ops.js').PretrainDemoResult} d */
  render(d) {
    const at = new Map(d.positions.map((p) => [p.position, p]));
    this.dataset.loss = String(d.loss);
    return [
      this.input('text', 'text'),
      h('p', { class: 'tl-muted', text: this.t('pretrainNote') }),
      h(
        'div',
        { class: 'tl-controls' },
        h('button', { type: 'button', class: 'tl-reroll', text: this.t('reroll'), onclick: () => this.setAttribute('seed', String(d.seed + 1)) }),
        h('span', { class: 'tl-muted tl-seed', text: this.t('seed', d.seed) }),
      ),
      h(
        'ol',
        { class: 'tl-pieces' },
        d.corrupted_tokens.map((t, i) => {
          const p = at.get(i);
          return h(
            'li',
            { class: `tl-piece${p ? ` chosen ${p.kind}` : ''}`, title: p ? this.t('pieceWas', this.t('kinds')[p.kind], p.original) : null },
            h('span', { class: 'tl-piece-text', text: t }),
            p ? h('span', { class: 'tl-piece-id', text: this.t('kinds')[p.kind] }) : null,
          );
        }),
      ),
      h(
        'div',
        { class: 'tl-cards' },
        d.positions.map((p) =>
          h(
            'div',
            { class: 'tl-card', dataset: { position: p.position, kind: p.kind } },
            h('p', {}, h('strong', { text: this.t('originalIs', p.original) }), ` · ${this.t('shownIs', p.shown)} · ${this.t('pOriginal')} = ${pct(p.prob_original)}`),
            bars(
              p.candidates.map((c) => ({ label: c.token, p: c.prob })),
              { chosen: p.candidates.findIndex((c) => c.id === p.original_id) },
            ),
          ),
        ),
      ),
      h('p', { class: 'tl-total', text: this.t('loss', fmt(d.loss, 4)) }),
    ];
  }
}
