// <bert-fill-mask text="… [MASK] …" top-k="5" [src] [picker] [controls] [ids]>: the top-k
// words at every mask, and the checkpoint's sequence classifiers if it has any (AntiBERTy:
// species, chain). The answer follows the text as it is typed. picker adds the model picker
// (model-picker.js: the built-in model's language, English or 中文, which defaults to the
// widget's; it names the model, built in or loaded, and starts on src when there is one) and
// the tokens the model read; controls adds the top-k menu, a Fill button with the time the
// model took, and the sentence's words (each Chinese character on its own) as buttons that
// mask (and unmask) themselves.
import { TlabWidget, h, bars, pct } from './base.js';
import { ModelPicker } from './model-picker.js';

const TOP_K = [3, 5, 10, 20, 50];
// Up to this many tokens the list of tokens the model read is open; a longer one (a protein
// sequence) is folded.
const TOKENS_OPEN = 40;

/** The text as word buttons' parts: runs of white space, the mask token, each Chinese
 * character (a word of its own to BERT's tokenizer), and the runs of anything else (a word
 * with its punctuation). Joined, they are the text. */
function splitWords(text, mask) {
  const escaped = mask.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.split(new RegExp(`(\\s+|${escaped}|\\p{Script=Han})`, 'u')).filter((p) => p !== '');
}

export class BertFillMask extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'top-k', 'picker', 'controls', 'ids'];
  static layoutAttributes = [...TlabWidget.layoutAttributes, 'picker', 'controls', 'ids'];

  // Words masked by clicking, by their index among the text's parts, to restore on a second click.
  originals = new Map();

  layout() {
    const controls = this.hasAttribute('controls');
    const picker = this.hasAttribute('picker') ? (this.picker ??= new ModelPicker(this)) : null;
    const k = this.num('top-k', 5);
    const topK = (TOP_K.includes(k) ? TOP_K : [...TOP_K, k].sort((a, b) => a - b)).map((n) => [n, String(n)]);
    this.classes = this.field('classes', h('div', { class: 'tl-classes', 'aria-live': 'polite', hidden: true }));
    this.filled = this.field('filled', h('p', { class: 'tl-translation', 'aria-live': 'polite' }));
    const parts = [
      ...(picker ? picker.build() : []),
      this.progress,
      this.input('text', 'sentence', { multiline: controls, live: true, oninput: () => this.originals.clear() }),
      controls
        ? h(
            'div',
            { class: 'tl-controls' },
            this.select('top-k', 'topK', topK, k),
            this.field('fill', h('button', { type: 'button', class: 'tl-primary', text: this.t('fill'), onclick: () => this.commit(true) })),
            this.field('timing', h('span', { class: 'tl-muted', 'aria-live': 'polite' })),
          )
        : null,
      this.classes,
      controls ? h('p', { class: 'tl-muted', text: this.t('wordsHint') }) : null,
      controls ? this.field('words', h('p', { class: 'tl-words', 'aria-label': this.t('words') })) : null,
      this.errorBox,
      this.filled,
      this.body,
    ];
    picker?.showModel();
    // A picker added after the start loads its first model now.
    if (picker && this.started && picker.ticket === 0) picker.start();
    this.renderWords();
    return parts;
  }

  /** A language switch of the page: the form in the new language, and (model-picker.js
   * followLanguage) the built-in model of that language when the widget follows the page. */
  onLang() {
    super.onLang();
    this.picker?.followLanguage();
  }

  start() {
    this.started = true;
    if (this.hasAttribute('picker')) this.picker.start();
    else this.refresh();
  }

  attributeChangedCallback(name, old, value) {
    if (name === 'src' && this.hasAttribute('picker') && this.started && old !== value) this.picker.start();
    else super.attributeChangedCallback(name, old, value);
  }

  /** Sets the text (a built-in model's example) without running it. */
  setText(text) {
    this.originals.clear();
    this.setAttrs({ text }, false);
  }

  /** The mask token of the model that answers (of the last that did, without a picker). */
  get maskToken() {
    const info = this.hasAttribute('picker') ? this.picker.current?.info : this.modelInfo;
    return info?.mask_token ?? '[MASK]';
  }

  /** In picker mode, the model the picker says answers now (there may be none). */
  async model() {
    if (!this.hasAttribute('picker')) return super.model();
    if (!this.picker.current) throw new Error(this.t('noModelLoaded'));
    return this.picker.current;
  }

  beforeRun() {
    this.renderWords();
  }

  /** @returns {Promise<{fill: import('../lib/ops.js').FillResult, classes: import('../lib/ops.js').ClassifyResult, ms: number, maskToken: string}>} */
  async load(model, client) {
    const text = this.attr('text', '');
    const t0 = performance.now();
    const fill = await client.fill(model.key, text, this.num('top-k', 5));
    const ms = performance.now() - t0;
    // Models with sequence classifiers on [CLS] (AntiBERTy: species, chain) show them too.
    const classes = model.info.classifiers?.length ? await client.classify(model.key, text) : [];
    this.modelInfo = model.info;
    return { fill, classes, ms, maskToken: model.info.mask_token };
  }

  /** The tokens the model read ([CLS] … [SEP]), as its tokenizer returns them: a Chinese
   * model's one per character, and traditional characters as the simplified ones it knows. */
  tokens(fill, maskToken) {
    const list = h(
      'ol',
      { class: 'tl-pieces' },
      fill.tokens.map((t) => h('li', { class: t === maskToken ? 'tl-piece masked' : 'tl-piece' }, h('span', { class: 'tl-piece-text', text: t }))),
    );
    return h(
      'details',
      { class: 'tl-fill-tokens', open: fill.tokens.length <= TOKENS_OPEN },
      h('summary', { class: 'tl-muted', text: this.t('modelReads', fill.tokens.length) }),
      list,
    );
  }

  render({ fill, classes, ms, maskToken }) {
    if (this.fields.timing) this.fields.timing.textContent = this.t('ms', ms.toFixed(0));
    this.filled.textContent = fill.filled;
    this.classes.hidden = !classes.length;
    this.classes.replaceChildren(
      ...classes.map((c) =>
        h('p', {
          class: 'tl-class-head',
          dataset: { head: c.head, label: c.label, prob: String(c.prob) },
          text: this.t('classHead', c.head, c.label, pct(c.prob), c.classes.map((x) => `${x.label} ${pct(x.prob)}`).join(' · ')),
        }),
      ),
    );
    const cards = h(
      'div',
      { class: 'tl-cards' },
      fill.masks.map((m, n) =>
        h(
          'div',
          // Titled by the mask's place among the sentence's masks, not by its token index.
          { class: 'tl-card', dataset: { position: String(m.position), mask: String(n + 1) } },
          h('h3', { class: 'tl-mask', title: maskToken, text: this.t('maskOf', n + 1, fill.masks.length) }),
          bars(
            m.candidates.map((c) => ({
              // "##ing" is a word piece that continues the word before it.
              label: c.token.startsWith('##') ? `…${c.token.slice(2)}` : c.token,
              p: c.prob,
              id: c.id,
              title: `token ${c.token} · id ${c.id}`,
            })),
            { format: pct },
          ),
        ),
      ),
    );
    return this.hasAttribute('picker') || this.hasAttribute('controls') ? [cards, this.tokens(fill, maskToken)] : cards;
  }

  failed() {
    this.filled.textContent = '';
    this.classes.hidden = true;
    this.body.replaceChildren();
  }

  /** The text's words as buttons (controls): a click masks the word (a Chinese character),
   * a second brings it back. The parts stay as they are while the text is theirs, so each
   * button keeps its place and its original. */
  renderWords() {
    const box = this.fields?.words;
    if (!box) return;
    const mask = this.maskToken;
    const text = this.attr('text', '');
    if (this.wordParts?.join('') !== text) {
      this.wordParts = splitWords(text, mask);
      this.originals.clear();
    }
    box.replaceChildren(
      ...this.wordParts.map((part, i) => {
        const masked = part.includes(mask);
        // White space and punctuation are not words.
        if (!masked && !/[\p{L}\p{N}]/u.test(part)) return part;
        return h('button', {
          type: 'button',
          class: masked ? 'tl-word masked' : 'tl-word',
          text: part,
          title: this.t(masked ? 'unmaskWord' : 'maskWord'),
          onclick: () => this.toggleMask(i),
        });
      }),
    );
  }

  toggleMask(i) {
    const parts = this.wordParts;
    const part = parts[i];
    const mask = this.maskToken;
    if (part.includes(mask)) {
      parts[i] = this.originals.get(i) ?? part.replace(mask, '');
      this.originals.delete(i);
    } else {
      const [, lead, , trail] = part.match(/^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u);
      this.originals.set(i, part);
      parts[i] = `${lead}${mask}${trail}`;
    }
    this.fields.text.value = parts.join('');
    this.commit(true);
  }
}
