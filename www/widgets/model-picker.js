// The model picker of <bert-fill-mask picker>: a Hugging Face name or URL prefix, dropped or
// chosen files, the default model or built-in AntiBERTy, with download progress and Cancel.
// (bert-head.js's HeadPicker, the model box of the fine-tuned BERT widgets, is one with other
// sources, kind and header line: the hooks sources, stats, keyFor and kind.)
//
// Loading a model is a race the last click must win: every load takes a ticket and shares
// the picker's slot in the client, so a newer load cancels the older one's download, and a
// result that arrives for an old ticket is dropped. Whatever fails, the header names the
// model that answers now, built in or loaded (or says none does), Fill works with it, and the
// reason is shown in words. At start the widget's src, else the page's ?model=<name or URL
// prefix>, loads another model than the default (the default if that is no address, or if
// ?model= fails); ?stall=<seconds> sets how long a download may receive nothing (default 30;
// tests).
import { sharedClient, modelPrefix, isCancelled, DEFAULT_BERT, ANTIBERTY } from '../lib/client.js';
import { h, rich } from './base.js';

const params = new URLSearchParams(location.search);
const stallSeconds = Number(params.get('stall')) > 0 ? Number(params.get('stall')) : undefined;
const FILES = { config: 'config.json', tokenizer: 'tokenizer.json', weights: 'model.safetensors', tokenizerConfig: 'tokenizer_config.json' };
let pickers = 0;

/** models/index.json (written by tools/setup.sh) names the built-in models and any caveat. */
export async function builtinEntry(name) {
  try {
    const index = await (await fetch(new URL('../index.json', `${DEFAULT_BERT.url}/`))).json();
    return index[name] ?? {};
  } catch {
    return {};
  }
}

export class ModelPicker {
  /** @param {import('./bert-fill-mask.js').BertFillMask} widget */
  constructor(widget) {
    this.w = widget;
    /** The model that answers: {key, name, note, info: BertInfo}; null until one loads. A
     * name is a string, or for a built-in model a function that gives it in the widget's
     * language of the moment (see shown). */
    this.current = null;
    this.loading = null; // the name of the newest load while it runs
    this.note = '';
    this.ticket = 0; // the newest load; older ones neither show progress nor change the widget
    this.slot = `model-picker-${++pickers}`;
    this.kind = 'bert'; // the model kind it loads (lib/ops.js KINDS); bert-head.js's HeadPicker sets its own
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
    return [w.field('model-picker', picker), this.noteLine];
  }

  button(name, text, onclick) {
    return this.w.field(name, h('button', { type: 'button', text, onclick }));
  }

  /** The Hugging Face name or URL prefix box and its Load button. */
  urlBox() {
    const url = this.w.field('model-url', h('input', {
      class: 'tl-input tl-input-url',
      type: 'text',
      spellcheck: 'false',
      placeholder: 'google-bert/bert-base-uncased  or  https://…/resolve/main',
      onkeydown: (e) => e.key === 'Enter' && this.loadUrl(),
    }));
    return [h('label', {}, this.w.t('modelUrl'), url), this.button('load-url', this.w.t('loadUrl'), () => this.loadUrl())];
  }

  /** Where a model can come from (the picker's body): a URL, files, the built-in ones. */
  sources() {
    const { w } = this;
    const t = (...a) => w.t(...a);
    const files = w.field('model-files', h('input', {
      type: 'file',
      multiple: true,
      accept: '.json,.safetensors',
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
    }, rich(t('dropFiles'), { choose: h('label', { class: 'tl-file' }, t('chooseFiles'), files) })));
    return [
      ...this.urlBox(),
      h('p', { class: 'tl-muted' }, rich(t('prefixHint'))),
      drop,
      this.button('load-default', t('loadDefault'), () => this.loadDefault()),
      this.button('load-antiberty', t('loadAntiberty'), () => this.loadAntiberty()),
    ];
  }

  /** The header's line about model `current`. */
  stats(current) {
    return this.w.t('modelStats', current.info);
  }

  /** The worker's key for the model at URL prefix `url`. */
  keyFor(url) {
    return url;
  }

  /** The header and Fill button for `current`, or for the load in progress. */
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
  }

  /** A model's name as shown now (see current). */
  shown(name) {
    return typeof name === 'function' ? name() : name;
  }

  /** Takes the newest ticket at once (a click), cancelling the load before it. */
  begin(name, { keepError = false } = {}) {
    const ticket = ++this.ticket;
    sharedClient().cancel(this.slot, 'superseded');
    if (!keepError) this.w.showError('load', '');
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

  /** Loads a model for ticket `ticket`: 'loaded' | 'failed' | 'cancelled' | 'superseded'. */
  async load(ticket, key, source, name, note = '') {
    if (ticket !== this.ticket) return 'superseded';
    try {
      const onProgress = (p) => ticket === this.ticket && this.w.showProgress(p);
      const info = await sharedClient().load(this.kind, key, source, onProgress, { slot: this.slot, stallSeconds });
      if (ticket !== this.ticket) return 'superseded';
      this.current = { key, name, note, info };
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

  async loadFiles(fileList) {
    const byName = Object.fromEntries([...fileList].map((f) => [f.name, f]));
    const missing = ['config', 'tokenizer', 'weights'].map((k) => FILES[k]).filter((f) => !byName[f]);
    if (missing.length) return this.w.showError('load', this.w.t('missingFiles', missing.join(', ')));
    const name = () => this.w.t('localFiles');
    const ticket = this.begin(name);
    const files = {};
    try {
      for (const [k, file] of Object.entries(FILES)) if (byName[file]) files[k] = await byName[file].arrayBuffer();
    } catch (e) {
      return this.end(ticket, new Error(this.w.t('unreadable', e.message)), name);
    }
    return this.load(ticket, `local:${Date.now()}`, { files }, name);
  }

  async loadDefault(options) {
    const ticket = this.begin(() => this.w.t('defaultModel'), options);
    const entry = await builtinEntry('fill-mask');
    const name = () => this.w.t('defaultModel', entry.name);
    this.named(ticket, name);
    return this.load(ticket, DEFAULT_BERT.key, { url: DEFAULT_BERT.url }, name, entry.note ?? '');
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
    if (here === ANTIBERTY.url) return this.loadAntiberty({ keepText: true });
    if (here === DEFAULT_BERT.url) return this.loadDefault();
    let url;
    try {
      url = modelPrefix(src, document.baseURI);
    } catch (e) {
      this.w.showError('load', this.w.t('badAddress', e.message));
      return this.loadDefault({ keepError: true });
    }
    return this.load(this.begin(src), this.keyFor(url), { url }, src);
  }

  // The widget's src, if it has one, is its model (a page that sets it chose that model for
  // this widget). Else ?model=<name or URL prefix> loads that model instead of the default
  // (handy for links in notes). If it is not an address, or does not load, the default model
  // loads instead and the reason stays on screen.
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
