// <tokenizer-view model="bert|translate" text="…" [direction] [src] [compare]>: the pieces
// and ids a model reads, special tokens and unknown ones ([UNK]) marked, as the tokenizer
// returns them (a Chinese model's tokenizer may give 台 for the 臺 typed). compare="URL
// prefix" (a BERT: "models/fill-mask" is the built-in English one) shows beside it how that
// other model's tokenizer reads the same text: Chinese text through an English vocabulary is
// mostly [UNK], the reason a Chinese model needs a vocabulary of its own.
//
// Both load the tokenizer alone (base.js tokenizerSpec: config.json and the tokenizer's
// files, a few hundred KB), not the model's weights: the view answers long before a 46 MB
// BERT would have downloaded, and its tokens are the same as the whole model's.
import { TlabWidget, h, ensureModel, srcSpec, modelSpec, tokenizerSpec, specSize } from './base.js';
import { builtinEntry, builtinLanguage, BUILTIN_BERT } from '../lib/client.js';

/** How tokenizers spell the unknown token (WordPiece, SentencePiece). */
const UNKNOWN = new Set(['[UNK]', '<unk>']);

export class TokenizerView extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'model', 'direction', 'compare'];

  /** The tokenizer of the model the attributes name, without its weights. */
  modelToLoad() {
    return tokenizerSpec(modelSpec(this));
  }

  /** @returns {Promise<{main: Tokenized, other: Tokenized | null}>}
   * @typedef {{result: import('../lib/ops.js').TokenizeResult, name: string | null}} Tokenized */
  async load(spec, client) {
    const text = this.attr('text', '');
    const compare = this.getAttribute('compare');
    if (!compare) return { main: { result: await client.tokenize(spec.key, text), name: null }, other: null };
    const other = tokenizerSpec(srcSpec('bert', compare, false, 'compare'));
    try {
      const size = await specSize(other);
      other.info = await ensureModel(other, this.modelProgress(size), () => this.loadPriority(size));
    } finally {
      this.showProgress(null);
    }
    const [a, b, nameA, nameB] = await Promise.all([
      client.tokenize(spec.key, text),
      client.tokenize(other.key, text),
      this.modelName(spec),
      this.modelName(other),
    ]);
    return { main: { result: a, name: nameA }, other: { result: b, name: nameB } };
  }

  /** A model's name for a column's heading: a built-in one's from models/index.json, else
   * its address. */
  async modelName(spec) {
    const lang = (spec.reads ?? spec.kind) === 'bert' ? builtinLanguage(spec.url) : null;
    if (!lang) return spec.url;
    return (await builtinEntry(BUILTIN_BERT[lang].entry)).name ?? this.t('builtinBert')[lang];
  }

  /** @param {{main: Tokenized, other: Tokenized | null}} d */
  render({ main, other }) {
    if (!other) return [this.input('text', 'text'), ...this.pieces(main.result)];
    return [
      this.input('text', 'text'),
      h(
        'div',
        { class: 'tl-compare' },
        [main, other].map(({ result, name }, i) =>
          h('div', { class: 'tl-compare-col', dataset: { side: i ? 'compare' : 'main' } }, h('h4', { text: this.t('tokenizerOf', name) }), ...this.pieces(result)),
        ),
      ),
    ];
  }

  /** One tokenization: its count line and its pieces. */
  pieces(d) {
    const unknown = d.pieces.filter((p) => UNKNOWN.has(p.piece)).length;
    return [
      h('p', { class: 'tl-muted', text: this.t('pieces', d.pieces.length, d.algorithm, unknown) }),
      h(
        'ol',
        { class: 'tl-pieces' },
        d.pieces.map((p) => {
          const unk = UNKNOWN.has(p.piece);
          return h(
            'li',
            {
              class: `tl-piece${p.special ? ' special' : ''}${unk ? ' unknown' : ''}`,
              title: unk ? this.t('unknownToken') : p.special ? this.t('special') : null,
              dataset: { id: p.id, special: p.special ? 'true' : 'false' },
            },
            h('span', { class: 'tl-piece-text', text: p.piece }),
            h('span', { class: 'tl-piece-id', text: String(p.id) }),
          );
        }),
      ),
    ];
  }
}
