// <bert-fill-mask text="… [MASK] …" top-k="5" [src] [picker] [controls] [ids]>: the top-k
// words at every mask, and the checkpoint's sequence classifiers if it has any (AntiBERTy:
// species, chain). The answer follows the text as it is typed. picker adds the model picker
// (model-picker.js: the built-in model's language, English or 中文, which defaults to the
// widget's; it names the model, built in or loaded, and starts on src when there is one) and
// the tokens the model read; controls adds the top-k menu, a Fill button with the time the
// model took, and the sentence's words (each Chinese character on its own) as buttons that
// mask (and unmask) themselves.
//
// What the model's tokenizer says about it decides two things (tokenizerTraits, asked once
// per model): a model that reads one token per letter (AntiBERTy: one per amino acid) gets one
// button per letter, so that a click masks that very residue; and a model with sequence
// classifiers warns, next to them, when most of the text is outside its alphabet (letters its
// vocabulary lacks, read as [UNK]), instead of showing "Human 95 %" as if it meant something.
import { TlabWidget, h, bars, pct } from './base.js';
import { ModelPicker } from './model-picker.js';

const TOP_K = [3, 5, 10, 20, 50];
// Up to this many tokens the list of tokens the model read is open; a longer one (a protein
// sequence) is folded.
const TOKENS_OPEN = 40;

/** The text as word buttons' parts: runs of white space, the mask token, each Chinese
 * character (a word of its own to BERT's tokenizer), and the runs of anything else (a word
 * with its punctuation). Joined, they are the text. */
function splitWords(text, mask, letters = false) {
  const escaped = mask.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A model with one token per letter: every letter is a word of its own.
  const one = letters ? '.' : '\\p{Script=Han}';
  return text.split(new RegExp(`(\\s+|${escaped}|${one})`, 'u')).filter((p) => p !== '');
}

// Letters and digits asked of a tokenizer, each on its own (space-separated), to find its alphabet.
const PROBE = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'].join(' ');
// An alphabet is listed in the warning when it is at most this long (a protein's, not English's).
const ALPHABET_SHOWN = 30;
// model key → Promise<{letters: boolean, alphabet: string[]}>
const traits = new Map();

/** What model `key`'s tokenizer says of itself, asked once: `alphabet`, the letters and
 * digits it knows as tokens of their own (each probed alone: AntiBERTy's are the 20 amino
 * acids' one-letter codes), and `letters`, whether it reads a run of them one token per
 * letter (AntiBERTy does; WordPiece on English joins them into word pieces). */
function tokenizerTraits(client, key) {
  if (!traits.has(key)) {
    const promise = (async () => {
      const spaced = await client.tokenize(key, PROBE);
      // (ASCII: byte offsets are character offsets.)
      const alphabet = spaced.pieces.filter((p) => !p.special && p.end - p.start === 1).map((p) => PROBE[p.start]);
      if (alphabet.length < 2) return { letters: false, alphabet };
      const run = alphabet.slice(0, 4).join('');
      const pieces = (await client.tokenize(key, run)).pieces.filter((p) => p.end > p.start);
      // (Not WordPiece's continuations: "a ##b ##c ##d" is a word in pieces, not letters.)
      return { letters: pieces.length === run.length && pieces.every((p) => !p.special && p.end - p.start === 1 && !p.piece.startsWith('##')), alphabet };
    })();
    promise.catch(() => traits.delete(key));
    traits.set(key, promise);
  }
  return traits.get(key);
}

/** How much of `text` model `key` reads as tokens it knows: the characters (not white space,
 * which the tokenizer only splits on, nor the mask token) that are inside a piece of its
 * vocabulary, and those it reads as its unknown token (a special piece over text) or drops.
 * @returns {Promise<{total: number, outside: number, sample: string[], unk: string}>} */
async function alphabetCheck(client, key, text, mask) {
  const { pieces } = await client.tokenize(key, text);
  const bytes = new TextEncoder();
  const at = []; // byte offset → 'known' | 'unknown' | 'mask'
  let unk = '[UNK]';
  for (const p of pieces) {
    const kind = p.piece === mask ? 'mask' : p.special ? 'unknown' : 'known';
    if (kind === 'unknown' && p.end > p.start) unk = p.piece;
    for (let b = p.start; b < p.end; b++) at[b] = kind;
  }
  let offset = 0;
  let total = 0;
  const outside = [];
  for (const c of text) {
    const kind = at[offset];
    offset += bytes.encode(c).length;
    if (/\s/u.test(c) || kind === 'mask') continue;
    total += 1;
    if (kind !== 'known') outside.push(c);
  }
  return { total, outside: outside.length, sample: [...new Set(outside)].slice(0, 5), unk };
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
      // (The picker names the model in its header; without one, the shared model line does.)
      ...(picker ? picker.build() : [this.modelUsed]),
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
      controls ? this.field('words-hint', h('p', { class: 'tl-muted', text: this.t('wordsHint') })) : null,
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

  /** @returns {Promise<{text: string, fill: import('../lib/ops.js').FillResult, classes: import('../lib/ops.js').ClassifyResult, ms: number, maskToken: string, alphabet: string[], check: {total: number, outside: number, sample: string[], unk: string} | null}>} */
  async load(model, client) {
    const text = this.attr('text', '');
    const classifiers = model.info.classifiers?.length > 0;
    // (Before the fill, which may refuse the text: the word buttons need it either way.)
    const { letters, alphabet } = classifiers || this.hasAttribute('controls') ? await tokenizerTraits(client, model.key) : { letters: false, alphabet: [] };
    this.letters = letters;
    const t0 = performance.now();
    const fill = await client.fill(model.key, text, this.num('top-k', 5));
    const ms = performance.now() - t0;
    // Models with sequence classifiers on [CLS] (AntiBERTy: species, chain) show them too,
    // with how much of the text is in the model's alphabet.
    const classes = classifiers ? await client.classify(model.key, text) : [];
    const check = classifiers ? await alphabetCheck(client, model.key, text, model.info.mask_token) : null;
    this.modelInfo = model.info;
    return { text, fill, classes, ms, maskToken: model.info.mask_token, alphabet, check };
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

  render({ fill, classes, ms, maskToken, alphabet, check }) {
    if (this.fields.timing) this.fields.timing.textContent = this.t('ms', ms.toFixed(0));
    this.filled.textContent = fill.filled;
    this.renderWords();
    this.classes.hidden = !classes.length;
    // Mostly outside the alphabet: the classes stay, faded, under a warning that says so.
    const outside = check && check.total > 0 && check.outside / check.total > 0.5;
    this.classes.classList.toggle('tl-unreliable', Boolean(outside));
    if (check) Object.assign(this.classes.dataset, { outside: String(check.outside), total: String(check.total) });
    const shown = alphabet.length <= ALPHABET_SHOWN ? alphabet.join(' ') : '';
    this.classes.replaceChildren(
      ...(outside
        ? [h('p', { class: 'tl-note tl-alphabet-warning', role: 'note', text: this.t('outsideAlphabet', check.outside, check.total, check.sample, check.unk, shown, maskToken) })]
        : []),
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
    this.renderWords();
  }

  /** The text's words as buttons (controls): a click masks the word (a Chinese character),
   * a second brings it back. The parts stay as they are while the text is theirs, so each
   * button keeps its place and its original. */
  renderWords() {
    const box = this.fields?.words;
    if (!box) return;
    const mask = this.maskToken;
    const text = this.attr('text', '');
    const letters = Boolean(this.letters);
    if (this.wordParts?.join('') !== text || this.wordLetters !== letters) {
      this.wordParts = splitWords(text, mask, letters);
      this.wordLetters = letters;
      this.originals.clear();
    }
    box.classList.toggle('tl-letters', letters);
    if (this.fields['words-hint']) this.fields['words-hint'].textContent = this.t(letters ? 'wordsHintLetters' : 'wordsHint');
    let position = 0; // a letter's place in the sequence (letters and masks), for its title
    box.replaceChildren(
      ...this.wordParts.map((part, i) => {
        const masked = part.includes(mask);
        // White space and punctuation are not words.
        if (!masked && !/[\p{L}\p{N}]/u.test(part)) return part;
        position += 1;
        let title = this.t(masked ? 'unmaskWord' : 'maskWord');
        if (masked && !this.originals.has(i) && this.answerAt(i) != null) title = this.t('fillAnswer');
        else if (!masked && letters) title = this.t('maskLetter', part, position);
        return h('button', {
          type: 'button',
          class: masked ? 'tl-word masked' : 'tl-word',
          text: part,
          title,
          dataset: { part: String(i) },
          onclick: () => this.toggleMask(i),
        });
      }),
    );
  }

  /** The model's top answer for the mask that is word part `i`, when the answer shown is for
   * the text as it is (else null). */
  answerAt(i) {
    const d = this.data;
    if (!d || d.text !== this.attr('text', '') || this.dataset.state === 'error') return null;
    const nth = this.wordParts.slice(0, i).filter((p) => p === d.maskToken).length;
    const token = d.fill.masks[nth]?.candidates[0]?.token;
    return token == null ? null : token.replace(/^##/, '');
  }

  toggleMask(i) {
    const parts = this.wordParts;
    const part = parts[i];
    const mask = this.maskToken;
    if (part.includes(mask)) {
      // Back to what was there, else the model's answer (a mask of the text as given).
      parts[i] = this.originals.get(i) ?? this.answerAt(i) ?? part.replace(mask, '');
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
