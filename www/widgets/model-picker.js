// The model picker of <bert-fill-mask picker>: a Hugging Face name or URL prefix, dropped or
// chosen files, the default model or built-in AntiBERTy, with download progress and Cancel.
//
// Loading a model is a race the last click must win: every load takes a ticket and shares
// the picker's slot in the client, so a newer load cancels the older one's download, and a
// result that arrives for an old ticket is dropped. Whatever fails, the header names the
// model that answers now (or says none does), Fill works with it, and the reason is shown in
// words. The page's ?model=<name or URL prefix> loads another model at start (the default if
// that fails); ?stall=<seconds> sets how long a download may receive nothing (default 30;
// tests).
import { sharedClient, modelPrefix, isCancelled, DEFAULT_BERT, ANTIBERTY } from '../lib/client.js';
import { h, rich } from './base.js';

const params = new URLSearchParams(location.search);
const stallSeconds = Number(params.get('stall')) > 0 ? Number(params.get('stall')) : undefined;
const FILES = { config: 'config.json', tokenizer: 'tokenizer.json', weights: 'model.safetensors', tokenizerConfig: 'tokenizer_config.json' };
let pickers = 0;

/** models/index.json (written by tools/setup.sh) names the built-in models and any caveat. */
async function builtinEntry(name) {
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
    /** The model that answers: {key, name, note, info: BertInfo}; null until one loads. */
    this.current = null;
    this.loading = null; // the name of the newest load while it runs
    this.note = '';
    this.ticket = 0; // the newest load; older ones neither show progress nor change the widget
    this.slot = `model-picker-${++pickers}`;
  }

  /** The picker's parts (the widget lays them out, and builds them again on a language switch). */
  build() {
    const { w } = this;
    const t = (...a) => w.t(...a);
    const button = (name, text, onclick) => w.field(name, h('button', { type: 'button', text, onclick }));
    const url = w.field('model-url', h('input', {
      class: 'tl-input tl-input-url',
      type: 'text',
      spellcheck: 'false',
      placeholder: 'google-bert/bert-base-uncased  or  https://…/resolve/main',
      onkeydown: (e) => e.key === 'Enter' && this.loadUrl(),
    }));
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
    this.name = w.field('model-name', h('span'));
    this.info = w.field('model-info', h('span', { class: 'tl-muted' }));
    this.noteLine = w.field('model-note', h('p', { class: 'tl-muted' }));
    // Cancel belongs in the widget's progress line, which outlives a build: replace the old one.
    this.cancel?.remove();
    this.cancel = w.progress.appendChild(button('load-cancel', t('cancel'), () => sharedClient().cancel(this.slot)));
    const picker = h(
      'details',
      { class: 'tl-picker' },
      h('summary', {}, `${t('modelLabel')} `, this.name, ' ', this.info),
      h(
        'div',
        { class: 'tl-picker-body' },
        h('label', {}, t('modelUrl'), url),
        button('load-url', t('loadUrl'), () => this.loadUrl()),
        h('p', { class: 'tl-muted' }, rich(t('prefixHint'))),
        drop,
        button('load-default', t('loadDefault'), () => this.loadDefault()),
        button('load-antiberty', t('loadAntiberty'), () => this.loadAntiberty()),
      ),
    );
    return [w.field('model-picker', picker), this.noteLine];
  }

  /** The header and Fill button for `current`, or for the load in progress. */
  showModel() {
    const { w, current } = this;
    if (this.loading) {
      this.name.textContent = w.t('modelLoading', this.loading);
      this.info.textContent = current ? w.t('untilThen', current.name) : '';
    } else {
      this.name.textContent = current ? current.name : w.t('noModel');
      this.info.textContent = current ? w.t('modelStats', current.info) : '';
      this.note = current?.note ?? '';
    }
    this.noteLine.textContent = this.note;
    if (w.fields.fill) w.fields.fill.disabled = !current;
  }

  /** Takes the newest ticket at once (a click), cancelling the load before it. */
  begin(name, { keepError = false } = {}) {
    const ticket = ++this.ticket;
    sharedClient().cancel(this.slot, 'superseded');
    if (!keepError) this.w.showError('load', '');
    this.named(ticket, name);
    this.w.showProgress(this.w.t('loadingModel', name));
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
    if (error && !isCancelled(error)) this.w.showError('load', this.w.t('loadFailed', name, error.message));
    if (!this.current) this.w.dataset.state = 'error';
  }

  /** Loads a model for ticket `ticket`: 'loaded' | 'failed' | 'cancelled' | 'superseded'. */
  async load(ticket, key, source, name, note = '') {
    if (ticket !== this.ticket) return 'superseded';
    try {
      const onProgress = (p) => ticket === this.ticket && this.w.showProgress(p);
      const info = await sharedClient().loadBert(key, source, onProgress, { slot: this.slot, stallSeconds });
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
    return this.load(this.begin(raw), url, { url }, raw);
  }

  async loadFiles(fileList) {
    const byName = Object.fromEntries([...fileList].map((f) => [f.name, f]));
    const missing = ['config', 'tokenizer', 'weights'].map((k) => FILES[k]).filter((f) => !byName[f]);
    if (missing.length) return this.w.showError('load', this.w.t('missingFiles', missing.join(', ')));
    const name = this.w.t('localFiles');
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
    const ticket = this.begin(this.w.t('defaultModel'), options);
    const entry = await builtinEntry('fill-mask');
    const name = this.w.t('defaultModel', entry.name);
    this.named(ticket, name);
    return this.load(ticket, DEFAULT_BERT.key, { url: DEFAULT_BERT.url }, name, entry.note ?? '');
  }

  // AntiBERTy: the clearest view of a well-trained masked-LM head (residues come back with
  // high confidence). Its name, note and example sequence come from models/index.json.
  async loadAntiberty() {
    const ticket = this.begin('AntiBERTy');
    const entry = await builtinEntry('antiberty');
    const name = entry.name ?? 'AntiBERTy';
    if (!this.named(ticket, name)) return 'superseded';
    if (entry.example) this.w.setText(entry.example);
    return this.load(ticket, ANTIBERTY.key, { url: ANTIBERTY.url }, name, entry.note ?? '');
  }

  // ?model=<name or URL prefix> loads that model instead of the default (handy for links in
  // notes). If it is not an address, or does not load, the default model loads instead and
  // the reason stays on screen.
  async start() {
    this.w.dataset.state = 'loading';
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
