// The model picker of <bert-fill-mask picker>: the language of the built-in model, a Hugging
// Face name or URL prefix (with hub checkpoints worth trying), dropped or chosen files in
// either hub layout, the built-in models (English, 中文, AntiBERTy), with download progress
// and Cancel. (bert-head.js's HeadPicker, the model box of the fine-tuned BERT widgets, is one
// with other sources, kind and header line: the hooks sources, languageChoice, stats, keyFor
// and kind. gpt-generate.js's GptPicker, a GPT's, also sets the files it takes and their
// texts (fileList, texts), its hub checkpoints (hubNames), built-in buttons and built-in
// model (builtinButtons, loadBuiltinAt, loadDefault).)
//
// The language choice (English / 中文) loads that language's built-in fill-mask model
// (lib/client.js BUILTIN_BERT) and shows its example sentence. Until the user chooses, the
// widget's language decides (its lang attribute, else the page's): a widget without a lang of
// its own follows the page's language switch as long as a built-in language model answers,
// and its text stays only if it is in that language (Chinese characters for 中文, none for
// English); else the model's example replaces it.
//
// Loading a model is a race the last click must win: every load takes a ticket and shares
// the picker's slot in the client, so a newer load cancels the older one's download, and a
// result that arrives for an old ticket is dropped. Whatever fails, the header names the
// model that answers now, built in or loaded (or says none does), Fill works with it, and the
// reason is shown in words. At start the widget's src, else the page's ?model=<name or URL
// prefix>, loads another model than the default (the default if that is no address, or if
// ?model= fails); ?stall=<seconds> sets how long a download may receive nothing (default 30;
// tests).
import { sharedClient, modelPrefix, isCancelled, builtinEntry, builtinLanguage, modelSize, ANTIBERTY, BUILTIN_BERT } from '../lib/client.js';
import { h, rich } from './base.js';
import { BERT_FILES } from '../lib/files.js';

export { builtinEntry };

const params = new URLSearchParams(location.search);
const stallSeconds = Number(params.get('stall')) > 0 ? Number(params.get('stall')) : undefined;
// Hub checkpoints worth trying, by language (a widget lists its own language's first; i18n.js
// hubNotes says what each is).
const HUB_SUGGESTIONS = {
  en: ['google-bert/bert-base-uncased'],
  zh: ['google-bert/bert-base-chinese', 'hfl/chinese-roberta-wwm-ext', 'google-bert/bert-base-multilingual-cased'],
};
const HAN = /\p{Script=Han}/u;
let pickers = 0;

/** Whether `text` is in language `lang` as far as choosing a fill-mask model goes: Chinese
 * text has Chinese characters, English text has none. */
const inLanguage = (text, lang) => Boolean(text) && HAN.test(text) === (lang === 'zh');

export class ModelPicker {
  /** @param {import('./bert-fill-mask.js').BertFillMask} widget */
  constructor(widget) {
    this.w = widget;
    /** The model that answers: {key, name, note, info: BertInfo, lang}; null until one loads.
     * A name is a string, or for a built-in model a function that gives it in the widget's
     * language of the moment (see shown); lang: the language of a built-in language model,
     * else null. */
    this.current = null;
    this.loading = null; // the name of the newest load while it runs
    this.loadingLang = null; // its language, when it is a built-in language model
    this.languageChosen = false; // the user chose a language: the page's switch no longer does
    this.note = '';
    this.ticket = 0; // the newest load; older ones neither show progress nor change the widget
    this.slot = `model-picker-${++pickers}`;
    this.kind = 'bert'; // the model kind it loads (lib/ops.js KINDS); bert-head.js's HeadPicker sets its own
    // The files it takes when chosen or dropped (lib/files.js: each entry is one file, the
    // first of its names among those chosen), and the i18n.js keys of the texts that name
    // them (gpt-generate.js's GptPicker takes a GPT's).
    this.fileList = BERT_FILES;
    this.texts = { urlPlaceholder: 'urlPlaceholder', prefixHint: 'prefixHint', dropFiles: 'dropFiles', missingFiles: 'missingFiles' };
  }

  /** The picker's parts (the widget lays them out, and builds them again on a language switch). */
  build() {
    const { w } = this;
    const t = (...a) => w.t(...a);
    this.name = w.field('model-name', h('span'));
    this.info = w.field('model-info', h('span', { class: 'tl-muted' }));
    this.noteLine = w.field('model-note', h('p', { class: 'tl-muted' }));
    // Cancel belongs in the widget's progress line, which outlives a build: replace the old one.
    this.cancel?.remove();
    this.cancel = w.progress.appendChild(this.button('load-cancel', t('cancel'), () => sharedClient().cancel(this.slot)));
    const picker = h(
      'details',
      { class: 'tl-picker' },
      h('summary', {}, `${t('modelLabel')} `, this.name, ' ', this.info),
      h('div', { class: 'tl-picker-body' }, this.sources()),
    );
    return [this.languageChoice(), w.field('model-picker', picker), this.noteLine];
  }

  button(name, text, onclick) {
    return this.w.field(name, h('button', { type: 'button', text, onclick }));
  }

  /** English / 中文 as radio buttons, one per built-in language model (BUILTIN_BERT); none is
   * checked while another model answers. Not offered when the widget's src names a model of
   * its own (AntiBERTy, a hub model). */
  languageChoice() {
    const { w } = this;
    const src = w.getAttribute('src');
    if (src && !this.srcLanguage(src)) return null;
    const name = w.partId('model-lang');
    return h(
      'fieldset',
      { class: 'tl-segmented tl-model-lang', 'aria-label': w.t('modelLanguage') },
      h('span', { class: 'tl-muted', text: w.t('modelLanguage') }),
      Object.keys(BUILTIN_BERT).map((lang) =>
        h(
          'label',
          { lang },
          w.field(`model-lang-${lang}`, h('input', {
            type: 'radio',
            name,
            value: lang,
            onchange: () => {
              this.languageChosen = true;
              this.loadLanguage(lang);
            },
          })),
          ` ${w.t('languageNames')[lang]}`,
        ),
      ),
    );
  }

  /** The language of the built-in model that src="…" names (a path of this site), else null. */
  srcLanguage(src) {
    try {
      return builtinLanguage(new URL(src.trim().replace(/\/+$/, ''), document.baseURI).href);
    } catch {
      return null;
    }
  }

  /** The Hugging Face name or URL prefix box and its Load button. */
  urlBox() {
    const url = this.w.field('model-url', h('input', {
      class: 'tl-input tl-input-url',
      type: 'text',
      spellcheck: 'false',
      placeholder: this.w.t(this.texts.urlPlaceholder),
      onkeydown: (e) => e.key === 'Enter' && this.loadUrl(),
    }));
    return [h('label', {}, this.w.t('modelUrl'), url), this.button('load-url', this.w.t('loadUrl'), () => this.loadUrl())];
  }

  /** The hub checkpoints worth trying: the fill-mask ones, the widget's language's first. */
  hubNames() {
    return (this.w.lang2 === 'zh' ? ['zh', 'en'] : ['en', 'zh']).flatMap((lang) => HUB_SUGGESTIONS[lang]);
  }

  /** Hub checkpoints worth trying (hubNames): a click puts the name in the box (the
   * download, hundreds of MB, starts with Load). i18n.js hubNotes says what each is. */
  suggestions(names = this.hubNames()) {
    const { w } = this;
    return h(
      'div',
      { class: 'tl-suggest' },
      h('p', { class: 'tl-muted', text: w.t('hubSuggest') }),
      h(
        'ul',
        {},
        names.map((name) =>
          h(
            'li',
            {},
            h('button', {
              type: 'button',
              class: 'tl-suggestion',
              text: name,
              dataset: { model: name },
              onclick: () => {
                w.fields['model-url'].value = name;
                w.fields['load-url'].focus();
              },
            }),
            ` ${w.t('hubNotes')[name]}`,
          ),
        ),
      ),
    );
  }

  /** Where a model can come from (the picker's body): a URL, files, the built-in ones. */
  sources() {
    const t = (...a) => this.w.t(...a);
    return [
      ...this.urlBox(),
      h('p', { class: 'tl-muted' }, rich(t(this.texts.prefixHint))),
      this.suggestions(),
      this.dropZone(),
      ...this.builtinButtons(),
    ];
  }

  /** The buttons that load a built-in model. */
  builtinButtons() {
    const t = (...a) => this.w.t(...a);
    return [
      this.button('load-default', t('loadDefault'), () => this.loadDefault()),
      this.button('load-antiberty', t('loadAntiberty'), () => this.loadAntiberty()),
    ];
  }

  /** The box to drop the model's files on (or choose them from), sent by name (loadFiles). */
  dropZone() {
    const { w } = this;
    const t = (...a) => w.t(...a);
    const files = w.field('model-files', h('input', {
      type: 'file',
      multiple: true,
      accept: '.json,.txt,.safetensors,.bin',
      onchange: (e) => this.loadFiles(e.target.files),
    }));
    const over = (on) => (e) => {
      e.preventDefault();
      drop.classList.toggle('over', on);
    };
    const drop = w.field('drop-zone', h('div', {
      class: 'tl-drop',
      tabindex: 0,
      role: 'button',
      'aria-label': t('dropLabel'),
      ondragover: over(true),
      ondragleave: over(false),
      ondrop: (e) => {
        over(false)(e);
        this.loadFiles(e.dataTransfer.files);
      },
      onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && files.click(),
    }, rich(t(this.texts.dropFiles), { choose: h('label', { class: 'tl-file' }, t('chooseFiles'), files) })));
    return drop;
  }

  /** The header's line about model `current`. */
  stats(current) {
    return this.w.t('modelStats', current.info);
  }

  /** The worker's key for the model at URL prefix `url`. */
  keyFor(url) {
    return url;
  }

  /** The header, Fill button and language choice for `current`, or for the load in progress. */
  showModel() {
    const { w, current } = this;
    if (this.loading) {
      this.name.textContent = w.t('modelLoading', this.shown(this.loading));
      this.info.textContent = current ? w.t('untilThen', this.shown(current.name)) : '';
    } else {
      this.name.textContent = current ? this.shown(current.name) : w.t('noModel');
      this.info.textContent = current ? this.stats(current) : '';
      this.note = current?.note ?? '';
    }
    this.noteLine.textContent = this.note;
    if (w.fields.fill) w.fields.fill.disabled = !current;
    const lang = this.loading ? this.loadingLang : current?.lang;
    for (const l of Object.keys(BUILTIN_BERT)) {
      const radio = w.fields[`model-lang-${l}`];
      if (radio) radio.checked = l === lang;
    }
  }

  /** A model's name as shown now (see current). */
  shown(name) {
    return typeof name === 'function' ? name() : name;
  }

  /** Takes the newest ticket at once (a click), cancelling the load before it. `lang`: the
   * language of the built-in model it loads, when it is one. */
  begin(name, { keepError = false, lang = null } = {}) {
    const ticket = ++this.ticket;
    // The first load, as the widget starts (not a click): it waits for its turn (load).
    if (this.w.starting) this.autoTicket = ticket;
    sharedClient().cancel(this.slot, 'superseded');
    if (!keepError) this.w.showError('load', '');
    this.loadingLang = lang;
    this.named(ticket, name);
    this.w.showProgress(this.w.t('loadingModel', this.shown(name)));
    return ticket;
  }

  /** Names load `ticket` in the header (a built-in model's name arrives after its click). */
  named(ticket, name) {
    if (ticket !== this.ticket) return false;
    this.loading = name;
    this.showModel();
    return true;
  }

  /** Ends load `ticket` (if still the newest) with the widget back on `current`. */
  end(ticket, error, name) {
    if (ticket !== this.ticket) return;
    this.loading = null;
    this.w.showProgress(null);
    this.showModel();
    if (error && !isCancelled(error)) this.w.showError('load', this.w.t('loadFailed', this.shown(name), error.message));
    if (!this.current) this.w.dataset.state = 'error';
  }

  /** Loads a model for ticket `ticket`: 'loaded' | 'failed' | 'cancelled' | 'superseded'.
   * `lang`: the language of the built-in model it is, when it is one. */
  async load(ticket, key, source, name, note = '', lang = null) {
    if (ticket !== this.ticket) return 'superseded';
    try {
      // A built-in model's size (models/index.json): the progress line counts its bytes
      // against it from the start.
      const size = await modelSize(source.url);
      if (ticket !== this.ticket) return 'superseded';
      if (size) this.w.showProgress({ received: 0, size });
      const onProgress = (p) => ticket === this.ticket && this.w.showProgress(size ? { ...p, size } : p);
      // The widget's first load waits for its turn among the page's (base.js loadPriority);
      // one a click asked for goes at once.
      const priority = ticket === this.autoTicket ? () => this.w.loadPriority(size) : undefined;
      const info = await sharedClient().load(this.kind, key, source, onProgress, { slot: this.slot, stallSeconds, priority });
      if (ticket !== this.ticket) return 'superseded';
      this.current = { key, name, note, info, lang };
      this.end(ticket);
      this.w.refresh();
      return 'loaded';
    } catch (e) {
      if (ticket !== this.ticket) return 'superseded';
      this.end(ticket, e, name);
      return isCancelled(e) ? 'cancelled' : 'failed';
    }
  }

  loadUrl() {
    const raw = this.w.fields['model-url'].value.trim();
    if (!raw) return this.w.showError('load', this.w.t('typeFirst'));
    let url;
    try {
      url = modelPrefix(raw);
    } catch (e) {
      return this.w.showError('load', this.w.t('badAddress', e.message));
    }
    return this.load(this.begin(raw), this.keyFor(url), { url }, raw);
  }

  /** Chosen or dropped files, in any layout of this.fileList (BERT_FILES: either hub
   * layout), sent by name. A file that goes with another (merges.txt with vocab.json) is
   * needed when that one is chosen. */
  async loadFiles(fileList) {
    const { w } = this;
    const byName = Object.fromEntries([...fileList].map((f) => [f.name, f]));
    const chosen = [];
    for (const { names, after } of this.fileList) chosen.push(after && !chosen.includes(after) ? null : names.find((n) => byName[n]));
    const needed = ({ optional, after }) => !optional && (!after || chosen.includes(after));
    const missing = this.fileList.filter((entry, i) => needed(entry) && !chosen[i]).map(({ names }) => names);
    if (missing.length) return w.showError('load', w.t(this.texts.missingFiles, missing));
    const name = () => w.t('localFiles');
    const ticket = this.begin(name);
    const files = {};
    try {
      for (const file of chosen.filter(Boolean)) files[file] = await byName[file].arrayBuffer();
    } catch (e) {
      return this.end(ticket, new Error(w.t('unreadable', e.message)), name);
    }
    return this.load(ticket, `local:${Date.now()}`, { files }, name);
  }

  /** The built-in fill-mask model of language `lang` (BUILTIN_BERT). Its example sentence
   * replaces the widget's text, unless `keepText`, or with `fit` when the text is in that
   * language already. */
  async loadLanguage(lang, { keepText = false, fit = false, keepError = false } = {}) {
    const b = BUILTIN_BERT[lang];
    const ticket = this.begin(() => this.w.t('defaultModel'), { keepError, lang });
    const entry = await builtinEntry(b.entry);
    const name = () => this.w.t('defaultModel', entry.name ?? this.w.t('builtinBert')[lang]);
    if (!this.named(ticket, name)) return 'superseded';
    if (!keepText && !(fit && inLanguage(this.w.getAttribute('text'), lang))) this.w.setText(entry.example ?? b.example);
    return this.load(ticket, b.key, { url: b.url }, name, entry.note ?? '', lang);
  }

  /** Back to a built-in language model: the one that answers or loads, else the widget's
   * language's. The text stays if it is in that language. */
  loadDefault({ keepError = false } = {}) {
    const lang = (this.loading ? this.loadingLang : null) ?? this.current?.lang ?? (this.w.lang2 === 'zh' ? 'zh' : 'en');
    return this.loadLanguage(lang, { fit: true, keepError });
  }

  /** The page's language changed. A widget that follows it (no lang of its own, no src, no
   * language chosen by the user) and that a built-in language model answers takes the new
   * language's; any other model stays. */
  followLanguage() {
    const { w } = this;
    if (this.languageChosen || w.hasAttribute('lang') || w.getAttribute('src') || this.ticket === 0) return;
    const lang = w.lang2 === 'zh' ? 'zh' : 'en';
    const now = this.loading ? this.loadingLang : this.current?.lang;
    if (now && now !== lang) this.loadLanguage(lang, { fit: true });
  }

  /** Built-in model `b` ({key, url, base?, entry}: its name in models/index.json, whose name
   * and note win); `fallback()`: its name in words when the index has none. `onEntry(entry)`
   * runs once the entry came, before the load (a widget takes the example from it). */
  async loadBuiltinModel(b, fallback, { keepError = false, onEntry } = {}) {
    const ticket = this.begin(() => this.w.t('builtinModel', ''), { keepError });
    const entry = await builtinEntry(b.entry);
    const name = () => this.w.t('builtinModel', entry.name ?? fallback());
    if (!this.named(ticket, name)) return 'superseded';
    onEntry?.(entry);
    return this.load(ticket, b.key, { url: b.url, base: b.base }, name, entry.note ?? '');
  }

  // AntiBERTy: the clearest view of a well-trained masked-LM head (residues come back with
  // high confidence). Its name, note and example sequence come from models/index.json; the
  // example replaces the widget's text unless `keepText` (a widget whose src names AntiBERTy).
  async loadAntiberty({ keepText = false } = {}) {
    const ticket = this.begin('AntiBERTy');
    const entry = await builtinEntry('antiberty');
    const name = () => this.w.t('builtinModel', entry.name ?? 'AntiBERTy');
    if (!this.named(ticket, name)) return 'superseded';
    if (entry.example && !keepText) this.w.setText(entry.example);
    return this.load(ticket, ANTIBERTY.key, { url: ANTIBERTY.url }, name, entry.note ?? '');
  }

  /** The load of the built-in model at address `here` (a src that names it by its path),
   * keeping the widget's text; null when no built-in model is there. */
  loadBuiltinAt(here) {
    if (here === ANTIBERTY.url) return this.loadAntiberty({ keepText: true });
    const lang = builtinLanguage(here);
    return lang ? this.loadLanguage(lang, { keepText: true }) : null;
  }

  /** The widget's src attribute: a built-in model by its address (named as built in; as a
   * path, "models/antiberty" is this site's, not a Hugging Face name), else that name or URL
   * prefix, loaded. */
  loadSrc(src) {
    let here = null;
    try {
      here = new URL(src.trim().replace(/\/+$/, ''), document.baseURI).href;
    } catch {
      // Not a path: a Hugging Face name or nothing (modelPrefix says which).
    }
    const builtin = this.loadBuiltinAt(here);
    if (builtin) return builtin;
    let url;
    try {
      url = modelPrefix(src, document.baseURI);
    } catch (e) {
      this.w.showError('load', this.w.t('badAddress', e.message));
      return this.loadDefault({ keepError: true });
    }
    return this.load(this.begin(src), this.keyFor(url), { url }, src);
  }

  /** The address of the model start() loads first, for its size before it starts
   * (base.js wake): the widget's src, else the built-in default (defaultUrl); null when
   * not known (?model=, or a src that is no address). */
  plannedUrl() {
    const src = this.w.getAttribute('src');
    if (src) {
      try {
        return new URL(src.trim().replace(/\/+$/, ''), document.baseURI).href;
      } catch {
        return null;
      }
    }
    return params.get('model') == null ? this.defaultUrl() : null;
  }

  /** The built-in model start() loads when nothing else is asked for. */
  defaultUrl() {
    return BUILTIN_BERT[this.w.lang2 === 'zh' ? 'zh' : 'en'].url;
  }

  // The widget's src, if it has one, is its model (a page that sets it chose that model for
  // this widget). Else ?model=<name or URL prefix> loads that model instead of the default
  // (handy for links in notes). If it is not an address, or does not load, the default model
  // loads instead and the reason stays on screen. The default is the built-in model of the
  // widget's language.
  async start() {
    this.w.dataset.state = 'loading';
    const src = this.w.getAttribute('src');
    if (src) return this.loadSrc(src);
    const wanted = params.get('model');
    if (wanted == null) return this.loadDefault();
    let url;
    try {
      url = modelPrefix(wanted);
    } catch (e) {
      this.w.showError('load', this.w.t('badLink', e.message));
      return this.loadDefault({ keepError: true });
    }
    const outcome = await this.load(this.begin(wanted), url, { url }, wanted);
    if (outcome === 'failed' || outcome === 'cancelled') return this.loadDefault({ keepError: true });
    return outcome;
  }
}
