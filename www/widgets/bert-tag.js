// <bert-tag text="…" [src]>: a token classifier (BertForTokenClassification) labels every word:
// the label of its first word piece, under the word, with its probability on hover (title).
// Built in: the part-of-speech tagger trained here (12 universal tags, Brown corpus); the model
// box (or src) loads another, e.g. a named-entity tagger from the hub. Label colours are the
// widgets.css properties --tl-tag-1 … --tl-tag-12, in the order of the model's labels
// (B-X and I-X share X's colour; O has none), so a host page can theme them.
import { h, pct } from './base.js';
import { BertHeadWidget } from './bert-head.js';

const COLOURS = 12;
const entity = (label) => label.replace(/^[BIES]-/, '');

export class BertTag extends BertHeadWidget {
  static kind = 'tagger';
  static builtin = 'pos';
  static needs = 'needsTagger';

  form() {
    return [this.input('text', 'sentence1', { live: true })];
  }

  /** @returns {Promise<{tagged: import('../lib/ops.js').TagResult, labels: string[]}>} */
  async load(model, client) {
    return { tagged: await client.tag(model.key, this.attr('text', '')), labels: model.info.labels };
  }

  render({ tagged, labels }) {
    const types = [...new Set(labels.filter((l) => l !== 'O').map(entity))];
    const colour = (label) => {
      const i = types.indexOf(entity(label));
      return i < 0 ? null : String((i % COLOURS) + 1);
    };
    const chip = (label, extra = {}) => h('span', { class: 'tl-tag', dataset: { colour: colour(label) }, text: label, ...extra });
    return [
      h(
        'ol',
        { class: 'tl-tagged', 'aria-label': this.t('taggedWords') },
        tagged.words.map((w) =>
          h(
            'li',
            { dataset: { label: w.label, prob: String(w.prob), start: String(w.start), end: String(w.end) }, title: this.t('tagTitle', w.label, pct(w.prob)) },
            h('span', { class: 'tl-tag-word', text: w.word }),
            chip(w.label),
          ),
        ),
      ),
      h('p', { class: 'tl-muted tl-tag-legend' }, `${this.t('tagLabels')} `, labels.map((l) => chip(l))),
    ];
  }
}
