// <tokenizer-view model="bert|translate" text="…" [direction] [src]>: the pieces and ids a
// model reads, special tokens marked.
import { TlabWidget, h } from './base.js';

export class TokenizerView extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction'];

  /** @returns {Promise<import('../lib/ops.js').TokenizeResult>} */
  async load(spec, client) {
    return client.tokenize(spec.key, this.attr('text', ''));
  }
  /** @param {import('../lib/ops.js').TokenizeResult} d */
  render(d) {
    return [
      this.input('text', 'text'),
      h('p', { class: 'tl-muted', text: this.t('pieces', d.pieces.length, d.algorithm) }),
      h(
        'ol',
        { class: 'tl-pieces' },
        d.pieces.map((p) =>
          h(
            'li',
            {
              class: p.special ? 'tl-piece special' : 'tl-piece',
              title: p.special ? this.t('special') : null,
              dataset: { id: p.id, special: p.special ? 'true' : 'false' },
            },
            h('span', { class: 'tl-piece-text', text: p.piece }),
            h('span', { class: 'tl-piece-id', text: String(p.id) }),
          ),
        ),
      ),
    ];
  }
}
