// <bert-nsp text="sentence A" pair="sentence B" [src]>: BERT's second pre-training task, next
// sentence prediction: P(IsNext), that B is the sentence that followed A in the text, from the
// [CLS] vector through the next-sentence head (cls.seq_relationship of BertForPreTraining).
// The built-in head (models/nsp-en, over the fill-mask encoder) is used when it is installed;
// otherwise the widget asks for a checkpoint with one, such as google-bert/bert-base-uncased.
import { h, bars, pct } from './base.js';
import { BertHeadWidget } from './bert-head.js';

export class BertNsp extends BertHeadWidget {
  static attributes = [...BertHeadWidget.attributes, 'pair'];
  static kind = 'classifier';
  static builtin = 'nsp';
  static needs = 'needsNsp';

  form() {
    return [this.input('text', 'sentenceA', { live: true }), this.input('pair', 'sentenceB', { live: true })];
  }

  /** @returns {Promise<import('../lib/ops.js').NextSentenceResult>} */
  load(model, client) {
    return client.nextSentence(model.key, this.attr('text', ''), this.attr('pair', ''));
  }

  render({ is_next: p }) {
    return [
      h('p', { class: 'tl-muted', text: this.t('nspNote') }),
      bars([{ label: this.t('isNext'), p, id: 'is-next' }, { label: this.t('notNext'), p: 1 - p, id: 'not-next' }], {
        chosen: p >= 0.5 ? 0 : 1,
        format: pct,
      }),
    ];
  }
}
