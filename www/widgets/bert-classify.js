// <bert-classify text="…" [pair="…"] [src]>: a sentence classifier (BertForSequenceClassification:
// sentiment, topic; with a second sentence, a pair task such as entailment). Every label with
// its probability, most probable first: one softmax over the labels, or for a multi-label
// model (problem_type multi_label_classification) an independent sigmoid per label, those
// above ½ marked. No classifier is built in: the model box (or src) loads one from the hub.
import { h, bars, pct } from './base.js';
import { BertHeadWidget } from './bert-head.js';

export class BertClassify extends BertHeadWidget {
  static attributes = [...BertHeadWidget.attributes, 'pair'];
  static kind = 'classifier';
  static needs = 'needsClassifier';

  form() {
    return [this.input('text', 'sentence1', { live: true }), this.input('pair', 'sentence2Optional', { live: true })];
  }

  /** @returns {Promise<import('../lib/ops.js').SentenceClassResult>} */
  load(model, client) {
    const pair = this.attr('pair', '');
    return client.classifyText(model.key, this.attr('text', ''), pair.trim() ? pair : null);
  }

  render({ labels, multi_label: multi }) {
    return [
      h('p', { class: 'tl-muted', text: this.t(multi ? 'multiLabel' : 'singleLabel') }),
      bars(
        labels.map((l) => ({ label: l.label, p: l.prob, id: l.id, chosen: multi && l.prob > 0.5 })),
        { chosen: multi ? -1 : 0, format: pct },
      ),
    ];
  }
}
